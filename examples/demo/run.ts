// The demo: `pnpm build && node examples/demo/run.ts` (or `pnpm demo`). Needs Node >= 22.18 (runs .ts directly).
import { formatSummary, runDemo } from './demo.ts';

const events = Number(process.env.TRIBUTARY_DEMO_EVENTS ?? 100_000);
const tty = process.stdout.isTTY === true;
const result = await runDemo({
  events,
  log: (line) => process.stdout.write(`${line}\n`),
  onProgress: (p, elapsedMs) => {
    const sinks = Object.values(p.sinks)
      .map((s) => `${s.name} ${s.written.toLocaleString('en-US')}`)
      .join(' | ');
    const text = `  ${(elapsedMs / 1000).toFixed(1)} s  in ${p.received.toLocaleString('en-US')} (${Math.round((p.received * 1000) / Math.max(1, elapsedMs)).toLocaleString('en-US')}/s)  in flight ${p.inFlight}  -> ${sinks}`;
    process.stdout.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
  },
});
if (tty) process.stdout.write('\n');
process.stdout.write(formatSummary(result));
process.exitCode = result.passed ? 0 : 1;
