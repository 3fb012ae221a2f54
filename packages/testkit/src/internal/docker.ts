import { homedir } from 'node:os';
import { join } from 'node:path';
import { canConnect } from './net.js';

export interface DockerProbe {
  reachable: boolean;
  /** What was tried, for messages: `unix:///var/run/docker.sock`. */
  tried: string[];
}

/**
 * Fast check for a Docker engine (1 s per candidate) before anything touches testcontainers:
 * `DOCKER_HOST` when set, otherwise the usual Unix sockets.
 */
export async function probeDocker(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 1000,
): Promise<DockerProbe> {
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) {
      const path = dockerHost.slice('unix://'.length);
      return { reachable: await canConnect({ path }, timeoutMs), tried: [dockerHost] };
    }
    if (dockerHost.startsWith('tcp://')) {
      const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
      const port = Number(url.port || 2375);
      return { reachable: await canConnect({ host: url.hostname, port }, timeoutMs), tried: [dockerHost] };
    }
    return { reachable: false, tried: [`${dockerHost} (unsupported scheme)`] };
  }
  const candidates = ['/var/run/docker.sock', join(homedir(), '.docker', 'run', 'docker.sock')];
  if (env.XDG_RUNTIME_DIR) candidates.push(join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  const results = await Promise.all(candidates.map((path) => canConnect({ path }, timeoutMs)));
  return { reachable: results.some(Boolean), tried: candidates.map((path) => `unix://${path}`) };
}
