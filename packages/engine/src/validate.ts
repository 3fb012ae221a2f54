// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macro text is what this file is about
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  awsConnectionConfig,
  ConfigError,
  type ConfigIssue,
  checkRequiredRoles,
  configIssues,
  expandMacros,
  isTributaryError,
  jsonPointer,
  SECRET_FIELDS,
} from '@tributary/connection';
import type { z } from 'zod';
import { defaultRegistry } from './builtins.js';
import {
  ASSET_BASE_KEYS,
  assetBase,
  documentTopLevel,
  environmentAsset,
  type SecretAsset,
  secretAsset,
  type WorkflowAsset,
  workflowAsset,
} from './document.js';
import { nestingDepth } from './internal/depth.js';
import { unknownReference } from './internal/suggest.js';
import type { AssetRegistry } from './registry.js';

/** Deepest nesting a document may have (objects and arrays). */
export const MAX_DOCUMENT_DEPTH = 64;

/** Options of {@link validateConfig}. */
export interface ValidateOptions {
  /** Active environment (the `--env` flag); default `defaultEnvironment`, else the only one declared. */
  environment?: string;
  /** Variables that override the active environment's (`--set NAME=value`). */
  variables?: Readonly<Record<string, string>>;
  /** This node's roles (`--roles`); when given, `requiredRoles` of the selected assets are checked. */
  roles?: readonly string[];
  /** Workflows to check roles for and to run; default all. */
  workflows?: readonly string[];
  /** Asset types; default {@link defaultRegistry}. */
  registry?: AssetRegistry;
  /** Process environment for `${env:X}`; default `process.env`. */
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths (transforms, secret files) are resolved against; default the cwd. */
  baseDir?: string;
  /** True when the caller supplies its own secret store: secret references are then not checked against `secrets`. */
  externalSecrets?: boolean;
}

/** A source or sink asset after validation: options are macro-expanded and valid for its type. */
export interface ResolvedAsset {
  kind: 'source' | 'sink';
  name: string;
  type: string;
  connection: string;
  requiredRoles: string[];
  /** JSON pointer of the asset in the document. */
  path: string;
  /** The type's options as written (macros expanded), passed to its factory. */
  options: Record<string, unknown>;
}

/** A connection asset after validation. */
export interface ResolvedConnection {
  name: string;
  path: string;
  requiredRoles: string[];
  /** The asset as written (macros not expanded): given to `awsConnection` with the active environment. */
  raw: unknown;
  /** Names of the secrets its auth references. */
  secrets: string[];
}

/** A workflow asset after validation. */
export type ResolvedWorkflow = WorkflowAsset & { path: string; transformPath: string | undefined };

/** A config document after validation against one environment. */
export interface ResolvedConfig {
  registry: AssetRegistry;
  baseDir: string;
  /** Active environment name, `undefined` when the document declares none. */
  environment: string | undefined;
  /** Variables of the active environment, overrides applied. */
  variables: Readonly<Record<string, string>>;
  processEnv: Readonly<Record<string, string | undefined>> | undefined;
  secrets: ReadonlyMap<string, SecretAsset & { path: string }>;
  connections: ReadonlyMap<string, ResolvedConnection>;
  sources: ReadonlyMap<string, ResolvedAsset>;
  sinks: ReadonlyMap<string, ResolvedAsset>;
  workflows: ReadonlyMap<string, ResolvedWorkflow>;
  /** Workflows selected by {@link ValidateOptions.workflows} (all when none was given). */
  selected: readonly string[];
}

const SECRET_MACRO = /^\$\{sec:([^}]+)\}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

class Collector {
  readonly issues: (ConfigIssue & { code: string })[] = [];
  add(path: string, message: string, code = 'CONFIG_INVALID'): void {
    this.issues.push({ path: path || '/', message, code });
  }
  /** Paths whose macros failed: their (unexpanded) values are not reported again by the schema. */
  readonly macroPaths = new Set<string>();
  zod(error: z.ZodError, input: unknown, path: string): void {
    for (const issue of configIssues(error, input, path)) {
      if (!this.macroPaths.has(issue.path)) this.add(issue.path, issue.message);
    }
  }
}

/** Expands config-time macros in every string, recording one issue per bad macro. */
function expandAll(
  value: unknown,
  path: string,
  ctx: {
    environment: Readonly<Record<string, string>>;
    processEnv?: Readonly<Record<string, string | undefined>>;
  },
  issues: Collector,
  secretField?: (keys: readonly string[]) => boolean,
  keys: string[] = [],
): unknown {
  const here = jsonPointer(path, keys);
  if (typeof value === 'string') {
    if (secretField?.(keys)) {
      const match = SECRET_MACRO.exec(value);
      if (match?.[1] === undefined) {
        issues.add(
          here,
          'secrets are referenced by name, never typed in plain: use { "secret": "name" } or "${sec:name}"',
        );
        return value;
      }
      return { secret: match[1] };
    }
    try {
      return expandMacros(value, ctx, here);
    } catch (error) {
      if (!isTributaryError(error)) throw error;
      const message = error.message.replace(` at ${here}`, '');
      issues.add(here, message.charAt(0).toLowerCase() + message.slice(1), error.code);
      issues.macroPaths.add(here);
      return value;
    }
  }
  if (Array.isArray(value)) {
    return value.map((item, index) =>
      expandAll(item, path, ctx, issues, secretField, [...keys, String(index)]),
    );
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = expandAll(item, path, ctx, issues, secretField, [...keys, key]);
    }
    return out;
  }
  return value;
}

const connectionSecretField = (keys: readonly string[]): boolean => {
  const last = keys.at(-1);
  return keys[0] === 'auth' && last !== undefined && SECRET_FIELDS.has(last);
};

function secretRefsOf(auth: unknown, path: string): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  const visit = (value: unknown, at: string) => {
    if (!isRecord(value)) return;
    for (const key of SECRET_FIELDS) {
      const ref = value[key];
      if (isRecord(ref) && typeof ref.secret === 'string')
        out.push({ name: ref.secret, path: `${at}/${key}` });
    }
    visit(value.source, `${at}/source`);
  };
  visit(auth, `${path}/auth`);
  return out;
}

/** Names of a section's valid entries, reporting duplicates. */
function uniqueNames(
  entries: readonly { name: string; path: string }[],
  kind: string,
  issues: Collector,
): Set<string> {
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const first = seen.get(entry.name);
    if (first !== undefined) {
      issues.add(`${entry.path}/name`, `duplicate ${kind} name "${entry.name}" (first declared at ${first})`);
    } else {
      seen.set(entry.name, entry.path);
    }
  }
  return new Set(seen.keys());
}

/**
 * The environment connection tests use: `testEnvironment`, else one named `test`, else `undefined`
 * (the active one).
 * @example
 * ```ts
 * validateConfig(document, { environment: testEnvironmentOf(document) });
 * ```
 */
export function testEnvironmentOf(document: unknown): string | undefined {
  if (!isRecord(document)) return undefined;
  if (typeof document.testEnvironment === 'string') return document.testEnvironment;
  const environments = Array.isArray(document.environments) ? document.environments : [];
  return environments.some((e) => isRecord(e) && e.name === 'test') ? 'test' : undefined;
}

function toError(issues: Collector): ConfigError {
  const list = issues.issues;
  const codes = new Set(list.map((i) => i.code));
  const code = codes.size === 1 ? ([...codes][0] as ConfigError['code']) : 'CONFIG_INVALID';
  const shown = list.slice(0, 200);
  const lines = shown.map((i) => `  ${i.path}: ${i.message}`);
  if (list.length > shown.length) lines.push(`  ... and ${list.length - shown.length} more`);
  return new ConfigError(
    code,
    `Invalid config (${list.length} problem${list.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    {
      details: {
        paths: list.map((i) => i.path),
        issues: list.map((i) => `${i.path}: ${i.message}`),
        codes: list.map((i) => i.code),
      },
      hint:
        code === 'ROLES_MISSING'
          ? 'run on a node with these roles (--roles), or change requiredRoles'
          : 'fix the fields listed above (paths are JSON pointers into the document)',
    },
  );
}

/**
 * Validates a config document against one environment before anything starts, collecting every problem
 * at once with its JSON pointer: unknown keys, wrong types, limits, unresolved macros (naming the
 * variable), unknown references (with a "did you mean"), duplicate names and required roles.
 * @throws {@link ConfigError} listing every problem (`details.issues`, `details.paths`); code
 *   `CONFIG_INVALID`, or `CONFIG_MACRO_UNRESOLVED` / `ROLES_MISSING` when every problem is of that kind.
 * @example
 * ```ts
 * const config = validateConfig(JSON.parse(text), { environment: 'dev', roles: ['ingest'] });
 * ```
 */
export function validateConfig(document: unknown, options: ValidateOptions = {}): ResolvedConfig {
  const issues = new Collector();
  const registry = options.registry ?? defaultRegistry;
  const baseDir = options.baseDir ?? process.cwd();
  if (!isRecord(document)) {
    issues.add(
      '/',
      `a config document is a JSON object, got ${Array.isArray(document) ? 'an array' : document === null ? 'null' : typeof document}`,
    );
    throw toError(issues);
  }
  const depth = nestingDepth(document, MAX_DOCUMENT_DEPTH);
  if (depth.depth > MAX_DOCUMENT_DEPTH) {
    issues.add(depth.path, `nested deeper than ${MAX_DOCUMENT_DEPTH} levels`);
    throw toError(issues);
  }
  const top = documentTopLevel.safeParse(document);
  if (!top.success) issues.zod(top.error, document, '');
  const sectionOf = (key: string): unknown[] => {
    const value = document[key];
    return Array.isArray(value) ? value : [];
  };

  // Environments
  const environments = new Map<string, Record<string, string>>();
  const envEntries: { name: string; path: string; variables: Record<string, string> }[] = [];
  sectionOf('environments').forEach((raw, i) => {
    const path = `/environments/${i}`;
    const parsed = environmentAsset.safeParse(raw);
    if (!parsed.success) {
      issues.zod(parsed.error, raw, path);
      return;
    }
    envEntries.push({ name: parsed.data.name, path, variables: parsed.data.variables });
  });
  uniqueNames(envEntries, 'environment', issues);
  for (const entry of envEntries)
    if (!environments.has(entry.name)) environments.set(entry.name, entry.variables);
  const envNames = [...environments.keys()];
  const defaultEnvironment =
    typeof document.defaultEnvironment === 'string' ? document.defaultEnvironment : undefined;
  if (defaultEnvironment !== undefined && !environments.has(defaultEnvironment)) {
    issues.add('/defaultEnvironment', unknownReference('environment', defaultEnvironment, envNames));
  }
  const testEnvironment = typeof document.testEnvironment === 'string' ? document.testEnvironment : undefined;
  if (testEnvironment !== undefined && !environments.has(testEnvironment)) {
    issues.add('/testEnvironment', unknownReference('environment', testEnvironment, envNames));
  }
  let active = options.environment ?? defaultEnvironment ?? (envNames.length === 1 ? envNames[0] : undefined);
  if (options.environment !== undefined && !environments.has(options.environment)) {
    issues.add(
      '/environments',
      `${unknownReference('environment', options.environment, envNames)}, chosen by --env`,
    );
    active = undefined;
  }
  const variables = {
    ...(active === undefined ? {} : environments.get(active)),
    ...(options.variables ?? {}),
  };
  const macroContext = {
    environment: variables,
    ...(options.processEnv ? { processEnv: options.processEnv } : {}),
  };

  const refChecks: { kind: 'secret' | 'connection' | 'source' | 'sink'; name: string; path: string }[] = [];

  // Connections
  const connectionEntries: ResolvedConnection[] = [];
  sectionOf('connections').forEach((raw, i) => {
    const path = `/connections/${i}`;
    const expanded = expandAll(raw, path, macroContext, issues, connectionSecretField);
    const parsed = awsConnectionConfig.safeParse(expanded);
    if (!parsed.success) {
      issues.zod(parsed.error, expanded, path);
      return;
    }
    const refs = secretRefsOf(isRecord(expanded) ? expanded.auth : undefined, path);
    connectionEntries.push({
      name: parsed.data.name,
      path,
      requiredRoles: parsed.data.requiredRoles,
      raw,
      secrets: refs.map((r) => r.name),
    });
    if (!options.externalSecrets) {
      for (const ref of refs) refChecks.push({ kind: 'secret', name: ref.name, path: ref.path });
    }
  });
  const connectionNames = uniqueNames(connectionEntries, 'connection', issues);
  const connections = new Map<string, ResolvedConnection>();
  for (const c of connectionEntries) if (!connections.has(c.name)) connections.set(c.name, c);

  // Secrets
  const secretEntries: (SecretAsset & { path: string })[] = [];
  sectionOf('secrets').forEach((raw, i) => {
    const path = `/secrets/${i}`;
    const expanded = expandAll(raw, path, macroContext, issues);
    const parsed = secretAsset.safeParse(expanded);
    if (!parsed.success) {
      issues.zod(parsed.error, expanded, path);
      return;
    }
    secretEntries.push({ ...parsed.data, path });
    if (parsed.data.provider === 'secrets-manager' || parsed.data.provider === 'ssm') {
      refChecks.push({ kind: 'connection', name: parsed.data.connection, path: `${path}/connection` });
    }
  });
  const secretNames = uniqueNames(secretEntries, 'secret', issues);
  const secrets = new Map<string, SecretAsset & { path: string }>();
  for (const s of secretEntries) if (!secrets.has(s.name)) secrets.set(s.name, s);

  // Sources and sinks
  const assets = (kind: 'source' | 'sink'): Map<string, ResolvedAsset> => {
    const key = kind === 'source' ? 'sources' : 'sinks';
    const entries: ResolvedAsset[] = [];
    sectionOf(key).forEach((raw, i) => {
      const path = `/${key}/${i}`;
      const base = assetBase.safeParse(raw);
      if (!base.success || !isRecord(raw)) {
        if (!base.success) issues.zod(base.error, raw, path);
        return;
      }
      const known = kind === 'source' ? registry.sourceTypes() : registry.sinkTypes();
      const definition = kind === 'source' ? registry.source(base.data.type) : registry.sink(base.data.type);
      refChecks.push({ kind: 'connection', name: base.data.connection, path: `${path}/connection` });
      const rest: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(raw)) {
        if (!(ASSET_BASE_KEYS as readonly string[]).includes(k)) rest[k] = v;
      }
      const expanded = expandAll(rest, path, macroContext, issues) as Record<string, unknown>;
      if (definition === undefined) {
        issues.add(`${path}/type`, unknownReference(`${kind} type`, base.data.type, known));
        return;
      }
      if (kind === 'sink' && (definition as { nameOption?: boolean }).nameOption)
        expanded.name = base.data.name;
      const parsed = definition.options.safeParse(expanded);
      if (!parsed.success) {
        issues.zod(parsed.error, expanded, path);
        return;
      }
      entries.push({
        kind,
        name: base.data.name,
        type: base.data.type,
        connection: base.data.connection,
        requiredRoles: base.data.requiredRoles,
        path,
        options: expanded,
      });
    });
    uniqueNames(entries, kind, issues);
    const map = new Map<string, ResolvedAsset>();
    for (const entry of entries) if (!map.has(entry.name)) map.set(entry.name, entry);
    return map;
  };
  const sources = assets('source');
  const sinks = assets('sink');
  // Names of assets that failed validation still count as declared (no second "unknown" issue for them).
  const declaredNames = (key: string): Set<string> =>
    new Set(
      sectionOf(key).flatMap((raw) => (isRecord(raw) && typeof raw.name === 'string' ? [raw.name] : [])),
    );
  const declaredConnections = new Set([...connectionNames, ...declaredNames('connections')]);
  const declaredSecrets = new Set([...secretNames, ...declaredNames('secrets')]);
  const declaredSources = new Set([...sources.keys(), ...declaredNames('sources')]);
  const declaredSinks = new Set([...sinks.keys(), ...declaredNames('sinks')]);

  // Workflows
  const workflowEntries: ResolvedWorkflow[] = [];
  sectionOf('workflows').forEach((raw, i) => {
    const path = `/workflows/${i}`;
    const expanded = expandAll(raw, path, macroContext, issues);
    const parsed = workflowAsset.safeParse(expanded);
    if (!parsed.success) {
      issues.zod(parsed.error, expanded, path);
      return;
    }
    const workflow = parsed.data;
    refChecks.push({ kind: 'source', name: workflow.source, path: `${path}/source` });
    workflow.routes.forEach((route, r) => {
      route.sinks.forEach((sink, s) => {
        refChecks.push({ kind: 'sink', name: sink, path: `${path}/routes/${r}/sinks/${s}` });
      });
    });
    let transformPath: string | undefined;
    if (workflow.transform !== undefined) {
      transformPath = isAbsolute(workflow.transform)
        ? workflow.transform
        : resolve(baseDir, workflow.transform);
      if (!existsSync(transformPath)) {
        issues.add(`${path}/transform`, `transform module not found: ${transformPath}`);
      }
    }
    workflowEntries.push({ ...workflow, path, transformPath });
  });
  uniqueNames(workflowEntries, 'workflow', issues);
  const workflows = new Map<string, ResolvedWorkflow>();
  for (const w of workflowEntries) if (!workflows.has(w.name)) workflows.set(w.name, w);

  // References
  for (const ref of refChecks) {
    const known =
      ref.kind === 'secret'
        ? declaredSecrets
        : ref.kind === 'connection'
          ? declaredConnections
          : ref.kind === 'source'
            ? declaredSources
            : declaredSinks;
    if (!known.has(ref.name)) issues.add(ref.path, unknownReference(ref.kind, ref.name, [...known]));
  }

  // Selection and roles
  const workflowNames = [...workflows.keys()];
  const selected: string[] = [];
  for (const name of options.workflows ?? workflowNames) {
    if (workflows.has(name)) selected.push(name);
    else issues.add('/workflows', `${unknownReference('workflow', name, workflowNames)}, selected to run`);
  }
  if (options.roles !== undefined) {
    const roles = options.roles;
    const checked = new Set<string>();
    const check = (what: string, path: string, required: readonly string[]) => {
      if (checked.has(path)) return;
      checked.add(path);
      const missing = checkRequiredRoles(required, roles);
      if (missing.length > 0) {
        issues.add(
          `${path}/requiredRoles`,
          `${what} requires roles this node lacks: ${missing.join(', ')} (node roles: ${roles.length === 0 ? 'none' : roles.join(', ')})`,
          'ROLES_MISSING',
        );
      }
    };
    const checkConnection = (name: string) => {
      const connection = connections.get(name);
      if (connection === undefined) return;
      check(`connection "${name}"`, connection.path, connection.requiredRoles);
      for (const secretName of connection.secrets) {
        const secret = secrets.get(secretName);
        if (secret && (secret.provider === 'secrets-manager' || secret.provider === 'ssm')) {
          const via = connections.get(secret.connection);
          if (via) check(`connection "${via.name}"`, via.path, via.requiredRoles);
        }
      }
    };
    for (const name of selected) {
      const workflow = workflows.get(name) as ResolvedWorkflow;
      check(`workflow "${name}"`, workflow.path, workflow.requiredRoles);
      const used = [
        sources.get(workflow.source),
        ...workflow.routes.flatMap((r) => r.sinks.map((s) => sinks.get(s))),
      ];
      for (const asset of used) {
        if (asset === undefined) continue;
        check(`${asset.kind} "${asset.name}"`, asset.path, asset.requiredRoles);
        checkConnection(asset.connection);
      }
    }
  }

  if (issues.issues.length > 0) throw toError(issues);
  return {
    registry,
    baseDir,
    environment: active,
    variables,
    processEnv: options.processEnv,
    secrets,
    connections,
    sources,
    sinks,
    workflows,
    selected,
  };
}
