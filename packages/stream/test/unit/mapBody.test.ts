import type { Message } from '@tributary/stream';
import { createMessage, mapBody } from '@tributary/stream';
import { EMPTY, from, lastValueFrom, Subject, throwError, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

function message(id: string, body: string, events: string[] = []): Message<string, { source: string }> {
  return createMessage({
    id,
    body,
    attributes: { tenant: { type: 'String', value: 'acme' } },
    meta: { source: 'queue-1' },
    onAck: async () => {
      events.push(`ack:${id}`);
    },
    onNack: async (options) => {
      events.push(`nack:${id}:${(options.reason as Error).message}`);
    },
  });
}

describe('mapBody', () => {
  it('completes on an empty source', async () => {
    // Act
    const out = await lastValueFrom(
      EMPTY.pipe(
        mapBody((b: string) => b.length),
        toArray(),
      ),
    );
    // Assess
    expect(out).toEqual([]);
  });

  it('maps the body and keeps id, attributes, meta and ack', async () => {
    // Prepare
    const events: string[] = [];
    // Act
    const [mapped] = await lastValueFrom(
      from([message('m1', '{"n":1}', events)]).pipe(
        mapBody((body: string) => JSON.parse(body) as { n: number }),
        toArray(),
      ),
    );
    await mapped?.ack();
    // Assess
    expect(mapped?.body).toEqual({ n: 1 });
    expect(mapped?.id).toBe('m1');
    expect(mapped?.attributes).toEqual({ tenant: { type: 'String', value: 'acme' } });
    expect(mapped?.meta).toEqual({ source: 'queue-1' });
    expect(events).toEqual(['ack:m1']);
  });

  it('maps many, nacking and dropping those whose fn throws', async () => {
    // Prepare
    const events: string[] = [];
    const source = [message('a', '1', events), message('b', 'not json', events), message('c', '3', events)];
    // Act
    const out = await lastValueFrom(
      from(source).pipe(
        mapBody((body: string) => JSON.parse(body) as number),
        toArray(),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Assess
    expect(out.map((m) => m.body)).toEqual([1, 3]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^nack:b:/);
  });

  it('passes nack() of the mapped message to the source message', async () => {
    // Prepare
    const events: string[] = [];
    const [mapped] = await lastValueFrom(
      from([message('a', 'x', events)]).pipe(
        mapBody((b: string) => b),
        toArray(),
      ),
    );
    // Act
    await mapped?.nack(new Error('handler failed'));
    // Assess
    expect(events).toEqual(['nack:a:handler failed']);
  });

  it('passes a source error on', async () => {
    // Prepare
    const failure = new Error('source broke');
    // Act / Assess
    await expect(lastValueFrom(throwError(() => failure).pipe(mapBody((b: string) => b)))).rejects.toBe(
      failure,
    );
  });

  it('unsubscribes from the source on early unsubscribe', () => {
    // Prepare
    const source = new Subject<Message<string, { source: string }>>();
    const seen: string[] = [];
    const subscription = source
      .pipe(mapBody((b: string) => b.toUpperCase()))
      .subscribe((m) => seen.push(m.body));
    source.next(message('a', 'x'));
    // Act
    subscription.unsubscribe();
    source.next(message('b', 'y'));
    // Assess
    expect(seen).toEqual(['X']);
    expect(source.observed).toBe(false);
  });
});
