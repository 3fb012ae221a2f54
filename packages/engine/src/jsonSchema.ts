import { awsConnectionConfig, secretRefJsonSchemaOverride } from '@tributary/connection';
import { z } from 'zod';
import { defaultRegistry } from './builtins.js';
import { assetName, environmentAsset, secretAsset, workflowAsset } from './document.js';
import type { AssetRegistry, SinkType, SourceType } from './registry.js';

/** Where the published schema lives, for `"$schema"` in documents. */
export const SCHEMA_ID = 'https://tributary.dev/schema/config.json';

function typedAsset(kind: 'source' | 'sink', definition: SourceType | SinkType): z.ZodType {
  const base = {
    name: assetName,
    description: z.string().optional().describe('Free text'),
    type: z.literal(definition.type).describe(definition.description),
    connection: assetName.describe('Name of the connection asset used'),
    requiredRoles: z
      .array(z.string().min(1))
      .optional()
      .describe('Roles a node needs; empty = no restriction'),
  };
  const shape = (definition.options as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (shape !== undefined) {
    const { name: _sinkName, ...options } = shape;
    return z
      .strictObject({ ...options, ...base })
      .describe(`${definition.description} (${kind} type "${definition.type}")`);
  }
  return z.intersection(z.looseObject(base), definition.options).describe(definition.description);
}

function assetList(kind: 'source' | 'sink', definitions: (SourceType | SinkType)[]): z.ZodType {
  const [first, ...rest] = definitions.map((d) => typedAsset(kind, d));
  if (first === undefined) return z.array(z.never());
  return z.array(rest.length === 0 ? first : z.union([first, ...rest]));
}

/**
 * The JSON Schema (draft 2020-12) of a whole config document, generated from the zod schemas of the
 * document and of every registered source and sink type. Reference it with `"$schema"` for editor completion.
 * @example
 * ```ts
 * writeFileSync('tributary.schema.json', JSON.stringify(documentJsonSchema(), null, 2));
 * ```
 */
export function documentJsonSchema(registry: AssetRegistry = defaultRegistry): Record<string, unknown> {
  const sources = registry.sourceTypes().map((t) => registry.source(t) as SourceType);
  const sinks = registry.sinkTypes().map((t) => registry.sink(t) as SinkType);
  const document = z
    .strictObject({
      $schema: z.string().optional().describe('URL or path of this JSON Schema, for editors'),
      description: z.string().optional().describe('Free text'),
      defaultEnvironment: assetName.optional().describe('Environment used when none is chosen (--env)'),
      testEnvironment: assetName
        .optional()
        .describe('Environment used by connection tests; default `test` when declared, else the active one'),
      environments: z.array(environmentAsset).optional().describe('Environments: named sets of variables'),
      secrets: z.array(secretAsset).optional().describe('Secrets and their providers'),
      connections: z
        .array(awsConnectionConfig)
        .optional()
        .describe('Connections to AWS or AWS-compatible endpoints'),
      sources: assetList('source', sources).optional().describe('Sources'),
      sinks: assetList('sink', sinks).optional().describe('Sinks'),
      workflows: z.array(workflowAsset).optional().describe('Workflows'),
    })
    .describe('Tributary config: environments, secrets, connections, sources, sinks and workflows');
  const schema = z.toJSONSchema(document, {
    io: 'input',
    unrepresentable: 'any',
    cycles: 'ref',
    override: secretRefJsonSchemaOverride,
  }) as Record<string, unknown>;
  return { ...schema, $id: SCHEMA_ID, title: 'Tributary config' };
}
