// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macro text is what this file is about
/** Which assets use one connection, secret or environment variable. */
export interface UsageEntry {
  connections: string[];
  sources: string[];
  sinks: string[];
  workflows: string[];
  /** JSON pointers where it is referenced. */
  paths: string[];
}

/** Asset usage of a whole document. */
export interface AssetUsage {
  connections: Record<string, UsageEntry>;
  secrets: Record<string, UsageEntry>;
  /** Environment variables: declared in any environment or referenced by a macro. */
  variables: Record<string, UsageEntry>;
}

type Kind = 'connection' | 'source' | 'sink' | 'workflow' | 'secret';
interface Asset {
  kind: Kind;
  name: string;
  path: string;
  raw: Record<string, unknown>;
}

const VARIABLE_MACRO = /\$\{(?:lay:)?([A-Za-z_][\w.-]*)\}|\$<([A-Za-z_][\w.-]*)>/g;
const SECRET_MACRO = /\$\{sec:([^}]+)\}/g;
const RUNTIME_NAMES = new Set(['uuid', 'seq']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function strings(value: unknown, path: string, out: { value: string; path: string }[], depth = 0): void {
  if (depth > 64) return;
  if (typeof value === 'string') out.push({ value, path });
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) strings(v, `${path}/${i}`, out, depth + 1);
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) strings(v, `${path}/${k}`, out, depth + 1);
  }
}

function secretObjects(value: unknown, path: string, out: { name: string; path: string }[], depth = 0): void {
  if (depth > 64) return;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) secretObjects(v, `${path}/${i}`, out, depth + 1);
  } else if (isRecord(value)) {
    if (typeof value.secret === 'string' && Object.keys(value).length === 1)
      out.push({ name: value.secret, path });
    for (const [k, v] of Object.entries(value)) secretObjects(v, `${path}/${k}`, out, depth + 1);
  }
}

const empty = (): UsageEntry => ({ connections: [], sources: [], sinks: [], workflows: [], paths: [] });

function add(entry: UsageEntry, kind: Kind, name: string): void {
  const list =
    kind === 'connection'
      ? entry.connections
      : kind === 'source'
        ? entry.sources
        : kind === 'sink'
          ? entry.sinks
          : kind === 'workflow'
            ? entry.workflows
            : undefined;
  if (list !== undefined && !list.includes(name)) list.push(name);
}

/**
 * Which sources, sinks and workflows use each connection, secret and environment variable (directly or
 * through a connection). Works on any document, valid or not: what cannot be read is skipped.
 * @example
 * ```ts
 * assetUsage(document).connections.Local; // { sources: ['orders'], sinks: ['events'], workflows: ['ingest'], ... }
 * ```
 */
export function assetUsage(document: unknown): AssetUsage {
  const doc = isRecord(document) ? document : {};
  const assets: Asset[] = [];
  const sections: [string, Kind][] = [
    ['connections', 'connection'],
    ['secrets', 'secret'],
    ['sources', 'source'],
    ['sinks', 'sink'],
    ['workflows', 'workflow'],
  ];
  for (const [key, kind] of sections) {
    const list = Array.isArray(doc[key]) ? (doc[key] as unknown[]) : [];
    list.forEach((raw, i) => {
      if (isRecord(raw) && typeof raw.name === 'string')
        assets.push({ kind, name: raw.name, path: `/${key}/${i}`, raw });
    });
  }
  const byKind = (kind: Kind) => assets.filter((a) => a.kind === kind);
  const usage: AssetUsage = { connections: {}, secrets: {}, variables: {} };
  for (const c of byKind('connection')) usage.connections[c.name] = empty();
  for (const s of byKind('secret')) usage.secrets[s.name] = empty();
  for (const env of Array.isArray(doc.environments) ? doc.environments : []) {
    if (isRecord(env) && isRecord(env.variables)) {
      for (const name of Object.keys(env.variables)) usage.variables[name] ??= empty();
    }
  }

  // Which workflows use a source or sink.
  const workflowsOf = new Map<string, string[]>();
  const note = (key: string, workflow: string) => {
    const list = workflowsOf.get(key) ?? [];
    if (!list.includes(workflow)) list.push(workflow);
    workflowsOf.set(key, list);
  };
  for (const w of byKind('workflow')) {
    if (typeof w.raw.source === 'string') note(`source:${w.raw.source}`, w.name);
    for (const route of Array.isArray(w.raw.routes) ? w.raw.routes : []) {
      for (const sink of isRecord(route) && Array.isArray(route.sinks) ? route.sinks : []) {
        if (typeof sink === 'string') note(`sink:${sink}`, w.name);
      }
    }
  }
  // What uses a connection, transitively: the asset itself and the workflows it is in.
  const users = (asset: Asset): { kind: Kind; name: string }[] => {
    const direct = [{ kind: asset.kind, name: asset.name }];
    if (asset.kind === 'source' || asset.kind === 'sink') {
      for (const w of workflowsOf.get(`${asset.kind}:${asset.name}`) ?? [])
        direct.push({ kind: 'workflow', name: w });
    }
    if (asset.kind === 'connection') {
      for (const a of assets) {
        if ((a.kind === 'source' || a.kind === 'sink') && a.raw.connection === asset.name)
          direct.push(...users(a));
      }
    }
    return direct;
  };

  for (const asset of assets) {
    if (
      (asset.kind === 'source' || asset.kind === 'sink' || asset.kind === 'secret') &&
      typeof asset.raw.connection === 'string'
    ) {
      const entry = usage.connections[asset.raw.connection];
      if (entry) {
        for (const u of users(asset)) add(entry, u.kind, u.name);
        entry.paths.push(`${asset.path}/connection`);
      }
    }
    const found: { value: string; path: string }[] = [];
    strings(asset.raw, asset.path, found);
    const secretRefs: { name: string; path: string }[] = [];
    secretObjects(asset.raw, asset.path, secretRefs);
    for (const { value, path } of found) {
      const text = value.replaceAll('$${', '').replaceAll('$$<', '');
      for (const match of text.matchAll(VARIABLE_MACRO)) {
        const name = match[1] ?? match[2];
        if (name === undefined || RUNTIME_NAMES.has(name)) continue;
        const entry = usage.variables[name] ?? empty();
        usage.variables[name] = entry;
        for (const u of users(asset)) add(entry, u.kind, u.name);
        entry.paths.push(path);
      }
      for (const match of text.matchAll(SECRET_MACRO)) {
        if (match[1] !== undefined) secretRefs.push({ name: match[1], path });
      }
    }
    for (const ref of secretRefs) {
      const entry = usage.secrets[ref.name] ?? empty();
      usage.secrets[ref.name] = entry;
      for (const u of users(asset)) add(entry, u.kind, u.name);
      entry.paths.push(ref.path);
    }
  }
  return usage;
}
