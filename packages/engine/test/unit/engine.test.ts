import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAssetRegistry, Engine, main, validateConfig } from '@tributary/engine';
import { createMessage, type Message, type Receipt, type Sink, SinkWriteError } from '@tributary/stream';
import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

interface Decision {
  id: string;
  decision: 'ack' | 'nack';
}

/** A source of in-memory messages and sinks that record writes: enough to test the runner without AWS. */
function memoryTypes(bodies: unknown[], options: { endless?: boolean } = {}) {
  const decisions: Decision[] = [];
  const written: Record<string, unknown[]> = {};
  const registry = createAssetRegistry()
    .registerSource({
      type: 'memory',
      description: 'in-memory messages',
      options: z.strictObject({}),
      create: (_options, { signal }) =>
        new Observable<Message<unknown, unknown>>((subscriber) => {
          let i = 0;
          const timer = setInterval(() => {
            if (signal.aborted) return;
            if (i >= bodies.length && !options.endless) {
              clearInterval(timer);
              subscriber.complete();
              return;
            }
            const id = `m${i}`;
            const body = bodies[i % bodies.length];
            i += 1;
            subscriber.next(
              createMessage({
                id,
                body,
                meta: {},
                onAck: async () => void decisions.push({ id, decision: 'ack' }),
                onNack: async () => void decisions.push({ id, decision: 'nack' }),
              }),
            );
          }, 1);
          return () => clearInterval(timer);
        }),
    })
    .registerSink({
      type: 'memory',
      description: 'records writes',
      options: z.strictObject({ rejectKind: z.string().optional(), delayMs: z.number().default(0) }),
      create: (opts, { name }): Sink<unknown> => {
        written[name] = [];
        const o = opts as { rejectKind?: string; delayMs?: number };
        return {
          name,
          async write(message): Promise<Receipt> {
            await new Promise((r) => setTimeout(r, o.delayMs ?? 0));
            if (o.rejectKind !== undefined && (message.body as { kind?: string }).kind === o.rejectKind) {
              throw new SinkWriteError('rejected', { sink: name, attempts: 1 });
            }
            written[name]?.push(message.body);
            return { sink: name, id: String(written[name]?.length), attempts: 1 };
          },
          flush: async () => {},
          close: async () => {},
          stats: () => ({
            written: 0,
            retried: 0,
            rejected: 0,
            batches: 0,
            bytes: 0,
            inFlight: 0,
            buffered: 0,
          }),
          [Symbol.asyncDispose]: async () => {},
        };
      },
    });
  return { registry, decisions, written };
}

function document(workflow: Record<string, unknown>, sinkOptions: Record<string, unknown> = {}) {
  return {
    connections: [{ name: 'C', region: 'eu-west-1', auth: { mode: 'none' } }],
    sources: [{ name: 'in', type: 'memory', connection: 'C' }],
    sinks: [
      { name: 'a', type: 'memory', connection: 'C', ...sinkOptions },
      { name: 'b', type: 'memory', connection: 'C' },
    ],
    workflows: [{ name: 'w', source: 'in', ...workflow }],
  };
}

describe('Engine', () => {
  it('routes by the first matching rule and acks after every receipt', async () => {
    // Prepare
    const { registry, decisions, written } = memoryTypes([
      { kind: 'x', n: 1 },
      { kind: 'y', n: 2 },
      { kind: 'x', n: 3 },
    ]);
    const config = validateConfig(
      document({
        routes: [{ when: { field: 'kind', op: 'eq', value: 'x' }, sinks: ['a'] }, { sinks: ['b'] }],
      }),
      { registry },
    );
    // Act
    const run = await new Engine(config).run();
    const result = await run.done;
    // Assess
    expect(written.a).toEqual([
      { kind: 'x', n: 1 },
      { kind: 'x', n: 3 },
    ]);
    expect(written.b).toEqual([{ kind: 'y', n: 2 }]);
    expect(decisions.map((d) => d.decision)).toEqual(['ack', 'ack', 'ack']);
    expect(result.workflows[0]).toMatchObject({ received: 3, acked: 3, nacked: 0, state: 'done' });
  });

  it('writes to every matching rule with all-matches and applies the default (discard or fail)', async () => {
    // Prepare
    const bodies = [{ kind: 'x' }, { kind: 'z' }];
    const routes = [
      { when: { field: 'kind', op: 'eq', value: 'x' }, sinks: ['a'] },
      { when: { field: 'kind', op: 'in', value: ['x', 'y'] }, sinks: ['b'] },
    ];
    const discard = memoryTypes(bodies);
    const fail = memoryTypes(bodies);
    // Act
    const r1 = await (
      await new Engine(
        validateConfig(document({ routes, routing: 'all-matches', default: 'discard' }), {
          registry: discard.registry,
        }),
      ).run()
    ).done;
    const r2 = await (
      await new Engine(
        validateConfig(document({ routes, default: 'fail' }), { registry: fail.registry }),
      ).run()
    ).done;
    // Assess
    expect(discard.written).toEqual({ a: [{ kind: 'x' }], b: [{ kind: 'x' }] });
    expect(r1.workflows[0]).toMatchObject({ acked: 2, discarded: 1 });
    expect(fail.decisions).toEqual([
      { id: 'm0', decision: 'ack' },
      { id: 'm1', decision: 'nack' },
    ]);
    expect(r2.workflows[0]).toMatchObject({ acked: 1, nacked: 1, unrouted: 1 });
  });

  it('nacks a message when one of its sinks rejects it', async () => {
    // Prepare
    const { registry, decisions } = memoryTypes([{ kind: 'ok' }, { kind: 'bad' }]);
    const config = validateConfig(document({ routes: [{ sinks: ['a', 'b'] }] }, { rejectKind: 'bad' }), {
      registry,
    });
    // Act
    const result = await (await new Engine(config).run()).done;
    // Assess
    expect(decisions).toEqual([
      { id: 'm0', decision: 'ack' },
      { id: 'm1', decision: 'nack' },
    ]);
    expect(result.workflows[0]?.sinks.a).toMatchObject({ written: 1, rejected: 1 });
  });

  it('applies a transform module: split, drop (acked) and throw (nacked)', async () => {
    // Prepare
    const dir = tmpdir();
    const file = join(dir, `transform-${process.pid}-${Date.now()}.mjs`);
    writeFileSync(
      file,
      `export default (body) => { if (body.kind === 'drop') return null; if (body.kind === 'boom') throw new Error('boom');
        return body.items ? body.items.map((i) => ({ item: i })) : { ...body, seen: true }; };`,
    );
    const { registry, decisions, written } = memoryTypes([
      { kind: 'one' },
      { kind: 'drop' },
      { items: [1, 2] },
      { kind: 'boom' },
    ]);
    const config = validateConfig(document({ transform: file, routes: [{ sinks: ['a'] }] }), {
      registry,
      baseDir: dir,
    });
    // Act
    const result = await (await new Engine(config).run()).done;
    // Assess
    expect(written.a).toEqual([{ kind: 'one', seen: true }, { item: 1 }, { item: 2 }]);
    expect(Object.fromEntries(decisions.map((d) => [d.id, d.decision]))).toEqual({
      m0: 'ack',
      m1: 'ack',
      m2: 'ack',
      m3: 'nack',
    });
    expect(result.workflows[0]).toMatchObject({ filtered: 1, transformErrors: 1 });
  });

  it('stops gracefully: every message taken is acked after its receipt or nacked, none is left undecided', async () => {
    // Prepare
    const { registry, decisions, written } = memoryTypes([{ kind: 'x' }], { endless: true });
    const config = validateConfig(document({ routes: [{ sinks: ['a'] }], maxInFlight: 4 }, { delayMs: 20 }), {
      registry,
    });
    const run = await new Engine(config).run();
    await new Promise((r) => setTimeout(r, 150));
    // Act
    const result = await run.stop();
    // Assess
    const progress = result.workflows[0];
    expect(result.stopped).toBe(true);
    expect(progress?.received).toBeGreaterThan(0);
    expect(decisions).toHaveLength(progress?.received ?? -1);
    expect(decisions.filter((d) => d.decision === 'ack')).toHaveLength(written.a?.length ?? -1);
    expect(progress?.inFlight).toBe(0);
  });

  it('aborts at once: the run settles without waiting for the messages in flight, and still counts them', async () => {
    // Prepare: every write takes 5 s, so no message in flight can finish before the run settles
    const { registry, decisions, written } = memoryTypes([{ kind: 'x' }], { endless: true });
    const config = validateConfig(
      document({ routes: [{ sinks: ['a'] }], maxInFlight: 4 }, { delayMs: 5_000 }),
      {
        registry,
      },
    );
    const run = await new Engine(config).run();
    while ((run.progress()[0]?.inFlight ?? 0) < 4) await new Promise((r) => setTimeout(r, 5));
    // Act
    run.abort();
    const settled = await run.done.then(
      () => 'resolved',
      () => 'rejected',
    );
    // Assess
    expect(settled).toBe('resolved');
    expect(written.a).toHaveLength(0);
    expect(decisions).toHaveLength(0);
    expect(run.progress()[0]?.inFlight).toBeGreaterThanOrEqual(4);
  });
});

describe('main', () => {
  it('exits 3 with one block per problem for an invalid config, and 2 for a bad command line', async () => {
    // Prepare
    const file = join(tmpdir(), `bad-${process.pid}-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({ sinks: [{ name: 'a b', type: 'sqss' }] }));
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) } };
    // Act
    const invalid = await main(['validate', file], io);
    const usage = await main(['frobnicate'], io);
    const missing = await main(['validate', '/nonexistent/x.json'], io);
    // Assess
    expect(invalid).toBe(3);
    expect(usage).toBe(2);
    expect(missing).toBe(3);
    expect(err).toContain('/sinks/0/name: must not contain spaces');
    expect(err).toContain('unknown command "frobnicate"');
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('prints the JSON Schema', async () => {
    // Prepare
    let out = '';
    // Act
    const code = await main(['schema'], { stdout: { write: (t: string) => (out += t) } });
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ title: 'Tributary config', type: 'object' });
  });
});
