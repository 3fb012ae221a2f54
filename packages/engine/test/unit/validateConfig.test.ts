// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macros are what these tests exercise
import { isTributaryError, type TributaryError } from '@tributary/connection';
import { validateConfig } from '@tributary/engine';
import { describe, expect, it } from 'vitest';
import { validDocument } from './fixtures.js';

function problems(fn: () => unknown): { error: TributaryError; issues: string[] } {
  try {
    fn();
  } catch (error) {
    if (isTributaryError(error)) return { error, issues: [...((error.details.issues as string[]) ?? [])] };
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('validateConfig', () => {
  it('accepts a valid document and resolves macros of the default environment', () => {
    // Act
    const config = validateConfig(validDocument());
    // Assess
    expect(config.environment).toBe('dev');
    expect(config.sources.get('orders')?.options).toEqual({ queueName: 'orders-dev', bodyFormat: 'json' });
    expect(config.sinks.get('events')?.options).toMatchObject({ streamName: 'events-dev', name: 'events' });
    expect(config.selected).toEqual(['ingest']);
  });

  it('resolves macros per environment (--env) and applies variable overrides', () => {
    // Act
    const prod = validateConfig(validDocument(), { environment: 'prod' });
    const overridden = validateConfig(validDocument(), {
      environment: 'prod',
      variables: { QUEUE: 'other' },
    });
    // Assess
    expect(prod.sources.get('orders')?.options.queueName).toBe('orders-prod');
    expect(prod.sinks.get('events')?.options.streamName).toBe('events-prod');
    expect(overridden.sources.get('orders')?.options.queueName).toBe('other');
  });

  it('reports an unknown key with its path', () => {
    // Prepare
    const doc = validDocument();
    (doc.sinks as Record<string, unknown>[])[0] = {
      ...(doc.sinks as Record<string, unknown>[])[0],
      maxBatchRecord: 5,
    };
    // Act
    const { error, issues } = problems(() => validateConfig(doc));
    // Assess
    expect(error.code).toBe('CONFIG_INVALID');
    expect(issues).toEqual([expect.stringMatching(/^\/sinks\/0: .*maxBatchRecord/)]);
  });

  it('reports wrong types and limits with path, limit and value', () => {
    // Prepare
    const doc = validDocument();
    const sink = (doc.sinks as Record<string, unknown>[])[0] as Record<string, unknown>;
    sink.maxBatchRecords = 800;
    sink.lingerMs = 'soon';
    // Act
    const { issues } = problems(() => validateConfig(doc));
    // Assess
    expect(issues).toContainEqual(expect.stringMatching(/^\/sinks\/0\/maxBatchRecords: .*500.*got 800/));
    expect(issues).toContainEqual(expect.stringMatching(/^\/sinks\/0\/lingerMs: .*number/));
  });

  it('reports an unresolved macro naming the variable and the environment, never a value', () => {
    // Prepare
    const doc = validDocument();
    (doc.sources as Record<string, unknown>[])[0] = {
      name: 'orders',
      type: 'sqs',
      connection: 'Main',
      queueName: '${MISSING_QUEUE}',
    };
    // Act
    const { error, issues } = problems(() => validateConfig(doc));
    // Assess
    expect(error.code).toBe('CONFIG_MACRO_UNRESOLVED');
    expect(issues).toEqual([expect.stringMatching(/^\/sources\/0\/queueName: .*MISSING_QUEUE/)]);
  });

  it('reports an unresolved ${env:X} macro', () => {
    // Prepare
    const doc = validDocument();
    ((doc.connections as Record<string, unknown>[])[0] as Record<string, unknown>).endpoint =
      '${env:NOPE_ENDPOINT}';
    // Act
    const { issues } = problems(() => validateConfig(doc, { processEnv: {} }));
    // Assess
    expect(issues).toEqual([expect.stringMatching(/^\/connections\/0\/endpoint: .*NOPE_ENDPOINT/)]);
  });

  it('reports unknown references with a did-you-mean suggestion', () => {
    // Prepare
    const doc = validDocument();
    (doc.sources as Record<string, unknown>[])[0] = {
      name: 'orders',
      type: 'sqs',
      connection: 'Mian',
      queueName: 'q',
    };
    const workflow = (doc.workflows as Record<string, unknown>[])[0] as Record<string, unknown>;
    workflow.source = 'order';
    workflow.routes = [{ sinks: ['event'] }];
    // Act
    const { issues } = problems(() => validateConfig(doc));
    // Assess
    expect(issues).toEqual(
      expect.arrayContaining([
        '/sources/0/connection: unknown connection "Mian" (did you mean "Main"?)',
        '/workflows/0/source: unknown source "order" (did you mean "orders"?)',
        '/workflows/0/routes/0/sinks/0: unknown sink "event" (did you mean "events"?)',
      ]),
    );
  });

  it('reports an unknown type and an unknown secret with suggestions', () => {
    // Prepare
    const doc = validDocument();
    ((doc.sinks as Record<string, unknown>[])[1] as Record<string, unknown>).type = 'sqss';
    const auth = ((doc.connections as Record<string, unknown>[])[0] as { auth: Record<string, unknown> })
      .auth;
    auth.secretAccessKey = { secret: 'aws-secrt' };
    // Act
    const { issues } = problems(() => validateConfig(doc));
    // Assess
    expect(issues).toEqual(
      expect.arrayContaining([
        '/sinks/1/type: unknown sink type "sqss" (did you mean "sqs"?)',
        '/connections/0/auth/secretAccessKey: unknown secret "aws-secrt" (did you mean "aws-secret"?)',
      ]),
    );
  });

  it('reports duplicate names per kind with the first declaration', () => {
    // Prepare
    const doc = validDocument();
    (doc.sinks as unknown[]).push({ name: 'events', type: 'sqs', connection: 'Main', queueName: 'x' });
    (doc.environments as unknown[]).push({ name: 'dev', variables: {} });
    // Act
    const { issues } = problems(() => validateConfig(doc));
    // Assess
    expect(issues).toEqual(
      expect.arrayContaining([
        '/sinks/2/name: duplicate sink name "events" (first declared at /sinks/0)',
        '/environments/3/name: duplicate environment name "dev" (first declared at /environments/0)',
      ]),
    );
  });

  it('reports names with spaces', () => {
    // Prepare
    const doc = validDocument();
    ((doc.workflows as Record<string, unknown>[])[0] as Record<string, unknown>).name = 'my flow';
    // Act
    const { issues } = problems(() => validateConfig(doc));
    // Assess
    expect(issues).toEqual([expect.stringMatching(/^\/workflows\/0\/name: must not contain spaces/)]);
  });

  it('reports required roles this node lacks, for the selected workflows only', () => {
    // Act
    const { error, issues } = problems(() => validateConfig(validDocument(), { roles: ['aws'] }));
    const ok = validateConfig(validDocument(), { roles: ['aws', 'audit'] });
    // Assess
    expect(error.code).toBe('ROLES_MISSING');
    expect(issues).toEqual([
      '/sinks/1/requiredRoles: sink "audit" requires roles this node lacks: audit (node roles: aws)',
    ]);
    expect(ok.selected).toEqual(['ingest']);
  });

  it('reports an unknown environment chosen by --env and unknown selected workflows', () => {
    // Act
    const { issues } = problems(() =>
      validateConfig(validDocument(), { environment: 'prd', workflows: ['ingset'] }),
    );
    // Assess
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/environments: unknown environment "prd" \(did you mean "prod"\?\)/),
        expect.stringMatching(/^\/workflows: unknown workflow "ingset" \(did you mean "ingest"\?\)/),
      ]),
    );
  });

  it('rejects plain secrets in secret fields and ${sec:} elsewhere', () => {
    // Prepare
    const doc = validDocument();
    const auth = ((doc.connections as Record<string, unknown>[])[0] as { auth: Record<string, unknown> })
      .auth;
    auth.secretAccessKey = 'wJalrXUtnFEMI/K7MDENG';
    ((doc.sources as Record<string, unknown>[])[0] as Record<string, unknown>).queueName =
      '${sec:aws-secret}';
    // Act
    const { error, issues } = problems(() => validateConfig(doc));
    // Assess
    expect(issues).toContainEqual(
      expect.stringMatching(/^\/connections\/0\/auth\/secretAccessKey: secrets are referenced by name/),
    );
    expect(issues).toContainEqual(expect.stringMatching(/^\/sources\/0\/queueName: .*only in secret fields/));
    expect(error.message).not.toContain('wJalrXUtnFEMI');
  });

  it('reports invalid routing conditions with their path', () => {
    // Prepare
    const doc = validDocument();
    ((doc.workflows as Record<string, unknown>[])[0] as Record<string, unknown>).routes = [
      {
        when: {
          all: [
            { field: 'a', op: 'in', value: 3 },
            { field: 'b', op: 'matches', value: '(' },
          ],
        },
        sinks: ['events'],
      },
      { when: { field: 'a', op: 'eq', value: 1, none: [] }, sinks: ['events'] },
    ];
    // Act
    const { issues } = problems(() => validateConfig(doc));
    // Assess
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\/workflows\/0\/routes\/0\/when\/all\/0\/value: must be an array for op "in"/,
        ),
        expect.stringMatching(
          /^\/workflows\/0\/routes\/0\/when\/all\/1\/value: must be a valid JavaScript regular/,
        ),
        expect.stringMatching(/^\/workflows\/0\/routes\/1\/when(\/none)?: /),
      ]),
    );
  });

  it('lists every problem at once', () => {
    // Prepare
    const doc = validDocument();
    doc.extra = true;
    ((doc.sinks as Record<string, unknown>[])[1] as Record<string, unknown>).type = 'nope';
    ((doc.workflows as Record<string, unknown>[])[0] as Record<string, unknown>).source = 'x';
    // Act
    const { error, issues } = problems(() => validateConfig(doc));
    // Assess
    expect(issues).toHaveLength(3);
    expect(error.details.paths).toEqual(
      expect.arrayContaining(['/', '/sinks/1/type', '/workflows/0/source']),
    );
  });

  it('reports documents nested too deeply without overflowing the stack', () => {
    // Prepare
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    // Act
    const { issues } = problems(() => validateConfig({ workflows: [deep] }));
    // Assess
    expect(issues).toEqual([expect.stringMatching(/nested deeper than 64 levels/)]);
  });

  it('reports a missing transform module', () => {
    // Prepare
    const doc = validDocument();
    ((doc.workflows as Record<string, unknown>[])[0] as Record<string, unknown>).transform = './nope.mjs';
    // Act
    const { issues } = problems(() => validateConfig(doc, { baseDir: '/tmp' }));
    // Assess
    expect(issues).toEqual(['/workflows/0/transform: transform module not found: /tmp/nope.mjs']);
  });
});
