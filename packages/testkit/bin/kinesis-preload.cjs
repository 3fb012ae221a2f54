// Preloaded into kinesis-mock (`node --require`): binds every server to 127.0.0.1 instead of 0.0.0.0,
// and exits when stdin closes (the parent died). kinesis-mock reads its ports from the environment.
'use strict';
const net = require('node:net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    args[0] = { ...first, host: '127.0.0.1' };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const rest = args.slice(1);
    if (typeof rest[0] === 'string' || rest[0] === undefined || rest[0] === null) rest.shift();
    args = [Number(first), '127.0.0.1', ...rest];
  }
  this.once('listening', () => {
    const address = this.address();
    if (address !== null && typeof address === 'object') process.stdout.write(`LISTENING ${address.port}\n`);
  });
  return listen.apply(this, args);
};

process.stdout.on('error', () => {});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
