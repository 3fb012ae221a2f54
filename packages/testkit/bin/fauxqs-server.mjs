#!/usr/bin/env node
// Starts fauxqs (S3, SQS, SNS, STS GetCallerIdentity) on 127.0.0.1 and an ephemeral port, without request logs.
// Prints `LISTENING <port>` on stdout once it accepts connections. Exits when its stdin closes (the parent died).
import { buildApp } from 'fauxqs';

const region = process.env.FAUXQS_DEFAULT_REGION || 'us-east-1';
const app = buildApp({ logger: false, defaultRegion: region });
process.stdout.on('error', () => {});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    app.close().finally(() => process.exit(0));
  });
}
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : ''}\n`);
