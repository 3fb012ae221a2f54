// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${msg:path} runtime templates are what these tests pass
import {
  compileDeduplicationId,
  compileMessageKey,
  messageKeyOptions,
  messageKeysOf,
} from '@tributary/stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('compileMessageKey', () => {
  it('turns a constant, a template and a function into a function of the message', () => {
    // Prepare
    const message = { body: { customer: { id: 'c1' } } };
    // Act
    const constant = compileMessageKey('fixed');
    const template = compileMessageKey('customer-${msg:customer.id}');
    const fn = (m: typeof message) => `fn-${m.body.customer.id}`;
    // Assess
    expect(constant?.(message)).toBe('fixed');
    expect(template?.(message)).toBe('customer-c1');
    expect(compileMessageKey(fn)).toBe(fn);
    expect(compileMessageKey(undefined)).toBeUndefined();
  });

  it('keeps a literal $${ and fails a body without the template path', () => {
    // Prepare
    const literal = compileMessageKey('$${x}');
    const missing = compileMessageKey('${msg:customer}');
    // Act
    const act = () => missing?.({ body: {} });
    // Assess
    expect(literal?.({ body: {} })).toBe('${x}');
    expect(act).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('compileDeduplicationId', () => {
  it('gives no id for none, and the SHA-256 of the body for content', () => {
    // Prepare
    const content = compileDeduplicationId('content');
    // Act
    const id = content?.({ body: { user: 'u1' } }, '{"user":"u1"}');
    // Assess
    expect(compileDeduplicationId('none')).toBeUndefined();
    expect(compileDeduplicationId(undefined)).toBeUndefined();
    // SHA-256 of '{"user":"u1"}', computed independently (Python hashlib).
    expect(id).toBe('c25e30a319e1aa28d1576eafdbb87149ac3bbff9afb87cbeb41ba2bde53822a3');
  });

  it('gives a fresh UUID per call for unique', () => {
    // Prepare
    const unique = compileDeduplicationId('unique');
    // Act
    const first = unique?.({ body: 'a' }, 'a');
    const second = unique?.({ body: 'a' }, 'a');
    // Assess
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second).not.toBe(first);
  });

  it('computes a template or a function of the message', () => {
    // Prepare
    const template = compileDeduplicationId<{ id: number }>({ template: 'order-${msg:id}' });
    const fn = compileDeduplicationId<{ id: number }>((m) => `d${m.body.id}`);
    // Act / Assess
    expect(template?.({ body: { id: 4 } }, '{"id":4}')).toBe('order-4');
    expect(fn?.({ body: { id: 3 } }, '{"id":3}')).toBe('d3');
  });
});

describe('messageKeysOf', () => {
  it('computes the group and deduplication ids, the latter from the message and its body', () => {
    // Act
    const ids = messageKeysOf(
      { body: { c: 'c1' } },
      'text',
      {
        fifo: true,
        messageGroupId: (m) => m.body.c,
        deduplicationId: (_m, body) => `d-${body.length}`,
      },
      'queue',
    );
    // Assess
    expect(ids).toEqual({ messageGroupId: 'c1', deduplicationId: 'd-4' });
  });

  it('gives no ids when none are configured on a standard target', () => {
    // Act / Assess
    expect(messageKeysOf({ body: 'x' }, 'x', { fifo: false }, 'topic')).toEqual({
      messageGroupId: undefined,
      deduplicationId: undefined,
    });
  });

  it('refuses a FIFO target without a group id, naming the target', () => {
    // Act
    const queue = () => messageKeysOf({ body: 'x' }, 'x', { fifo: true }, 'queue');
    const topic = () => messageKeysOf({ body: 'x' }, 'x', { fifo: true }, 'topic');
    // Assess
    expect(queue).toThrow('a FIFO queue needs a messageGroupId');
    expect(topic).toThrow('a FIFO topic needs a messageGroupId');
  });

  it.each([
    ['an empty group id', 'messageGroupId', ''],
    ['a group id of 129 characters', 'messageGroupId', 'g'.repeat(129)],
    ['a group id with a space', 'messageGroupId', 'a b'],
    ['a group id with a non-ASCII character', 'messageGroupId', 'é'],
    ['a deduplication id of 129 characters', 'deduplicationId', 'd'.repeat(129)],
  ])('refuses %s', (_what, field, value) => {
    // Act
    const act = () => messageKeysOf({ body: 'x' }, 'x', { fifo: false, [field]: () => value }, 'queue');
    // Assess
    expect(act).toThrow(
      `${field} must be 1..128 printable ASCII characters without spaces, got ${value.length} characters`,
    );
  });

  it('accepts 128 printable ASCII characters, punctuation included', () => {
    // Prepare
    const id = `!~${'x'.repeat(126)}`;
    // Act
    const ids = messageKeysOf({ body: 'x' }, 'x', { fifo: true, messageGroupId: () => id }, 'queue');
    // Assess
    expect(ids.messageGroupId).toBe(id);
  });
});

describe('messageKeyOptions', () => {
  it('defaults deduplicationId to none and takes the documented modes only', () => {
    // Prepare
    const schema = z.strictObject(messageKeyOptions('queue'));
    // Act
    const defaults = schema.parse({});
    const template = schema.parse({ messageGroupId: '${msg:c}', deduplicationId: { template: 'x' } });
    const unknown = schema.safeParse({ deduplicationId: 'hash' });
    const emptyGroup = schema.safeParse({ messageGroupId: '' });
    // Assess
    expect(defaults).toEqual({ deduplicationId: 'none' });
    expect(template).toEqual({ messageGroupId: '${msg:c}', deduplicationId: { template: 'x' } });
    expect(unknown.success).toBe(false);
    expect(emptyGroup.success).toBe(false);
  });

  it('names the target and what content hashes in the descriptions', () => {
    // Act
    const queue = JSON.stringify(z.toJSONSchema(z.strictObject(messageKeyOptions('queue'))));
    const topic = JSON.stringify(z.toJSONSchema(z.strictObject(messageKeyOptions('topic'))));
    // Assess
    expect(queue).toContain('required for FIFO queues');
    expect(queue).toContain('SHA-256 of the body');
    expect(topic).toContain('required for FIFO topics');
    expect(topic).toContain('SHA-256 of the message');
  });
});
