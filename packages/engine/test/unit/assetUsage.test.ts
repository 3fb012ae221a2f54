import { assetUsage } from '@tributary/engine';
import { describe, expect, it } from 'vitest';
import { validDocument } from './fixtures.js';

describe('assetUsage', () => {
  it('lists the sources, sinks and workflows using each connection, secret and variable', () => {
    // Act
    const usage = assetUsage(validDocument());
    // Assess
    expect(usage.connections.Main).toMatchObject({
      sources: ['orders'],
      sinks: ['events', 'audit'],
      workflows: ['ingest'],
    });
    expect(usage.secrets['aws-secret']).toMatchObject({
      connections: ['Main'],
      sources: ['orders'],
      workflows: ['ingest'],
    });
    expect(usage.variables.QUEUE).toMatchObject({ sources: ['orders'], workflows: ['ingest'], sinks: [] });
    expect(usage.variables.STREAM).toMatchObject({ sinks: ['events'], workflows: ['ingest'] });
    expect(usage.variables.KEY_ID).toMatchObject({ connections: ['Main'], sinks: ['events', 'audit'] });
  });

  it('reports declared but unused variables as unused, and survives invalid documents', () => {
    // Prepare
    const doc = validDocument();
    const [dev] = doc.environments as { variables: Record<string, string> }[];
    if (dev) dev.variables.UNUSED = 'x';
    // Act
    const usage = assetUsage(doc);
    // Assess
    expect(usage.variables.UNUSED).toEqual({
      connections: [],
      sources: [],
      sinks: [],
      workflows: [],
      paths: [],
    });
    expect(assetUsage(42)).toEqual({ connections: {}, secrets: {}, variables: {} });
    expect(assetUsage({ sources: 'x', workflows: [null, { routes: 5 }] })).toEqual({
      connections: {},
      secrets: {},
      variables: {},
    });
  });
});
