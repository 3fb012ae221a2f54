import { ConfigError } from './errors.js';
import { jsonPointer } from './options.js';
import { isSecret } from './secret.js';

/** Where config-time macros read their values. */
export interface MacroContext {
  /** Variables of the active environment resource: `${lay:X}`, `${X}`, `$<X>`. */
  environment?: Readonly<Record<string, string>>;
  /** Process environment for `${env:X}`; default `process.env`. */
  processEnv?: Readonly<Record<string, string | undefined>>;
}

/** Prefixes of runtime templates: left untouched at config time. */
const RUNTIME_PREFIXES = new Set(['msg', 'date']);
/** Bare runtime macros: `${uuid}`, `${seq}`. */
const RUNTIME_NAMES = new Set(['uuid', 'seq']);
const VARIABLE_NAME = /^[A-Za-z_][\w.-]*$/;
const ANGLE_MACRO = /^\$<([A-Za-z_][\w.-]*)>/;

function unresolved(
  macro: string,
  variable: string,
  source: string,
  path: string,
  reason: string,
): ConfigError {
  return new ConfigError(
    'CONFIG_MACRO_UNRESOLVED',
    `Unresolved macro ${macro} at ${path || '/'}: ${reason}`,
    {
      details: { variable, source, path: path || '/' },
      hint:
        source === 'env'
          ? `set the process environment variable ${variable}`
          : `define ${variable} in the active environment (or the test environment)`,
    },
  );
}

function lookup(
  record: Readonly<Record<string, string | undefined>> | undefined,
  name: string,
): string | undefined {
  return record !== undefined && Object.hasOwn(record, name) ? record[name] : undefined;
}

function expandBraced(body: string, ctx: MacroContext, path: string): string {
  const macro = `\${${body}}`;
  const colon = body.indexOf(':');
  const prefix = colon === -1 ? '' : body.slice(0, colon);
  const name = colon === -1 ? body : body.slice(colon + 1);
  if (colon === -1 && RUNTIME_NAMES.has(body)) return macro;
  if (RUNTIME_PREFIXES.has(prefix)) return macro;
  if (prefix === 'sec') {
    throw new ConfigError(
      'CONFIG_INVALID',
      `Secret macro \${sec:${name}} at ${path || '/'}: secrets are allowed only in secret fields`,
      {
        details: { variable: name, source: 'sec', path: path || '/' },
        hint: 'reference secrets only in secret fields (secretAccessKey, sessionToken, token)',
      },
    );
  }
  if (prefix !== '' && prefix !== 'lay' && prefix !== 'env') {
    throw unresolved(macro, name, prefix, path, `unknown macro prefix "${prefix}" (known: lay, env, sec)`);
  }
  if (!VARIABLE_NAME.test(name)) {
    throw unresolved(macro, name, prefix || 'lay', path, 'not a valid variable name');
  }
  if (prefix === 'env') {
    const value = lookup(ctx.processEnv ?? process.env, name);
    if (value === undefined)
      throw unresolved(macro, name, 'env', path, `no process environment variable ${name}`);
    return value;
  }
  const value = lookup(ctx.environment, name);
  if (value === undefined)
    throw unresolved(macro, name, 'lay', path, `no variable ${name} in the active environment`);
  return value;
}

/**
 * Expands config-time macros in one string: `${lay:NAME}`, `${NAME}` and `$<NAME>` read
 * `ctx.environment`, `${env:NAME}` reads the process environment; `$${` is a literal `${` (and `$$<`
 * a literal `$<`). Runtime macros (`${msg:...}`, `${date:...}`, `${uuid}`, `${seq}`) are left untouched.
 * Expanded values are not expanded again.
 * @throws {@link ConfigError} `CONFIG_MACRO_UNRESOLVED` naming the variable and `path` (never a value);
 *   `CONFIG_INVALID` for `${sec:...}` (secrets are allowed only in secret fields) or an unterminated `${`.
 * @example
 * ```ts
 * expandMacros('${lay:REGION}', { environment: { REGION: 'eu-west-1' } }, '/connections/0/region'); // 'eu-west-1'
 * ```
 */
export function expandMacros(value: string, ctx: MacroContext, path: string): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const dollar = value.indexOf('$', i);
    if (dollar === -1) {
      out += value.slice(i);
      break;
    }
    out += value.slice(i, dollar);
    const rest = value.slice(dollar);
    if (rest.startsWith('$${') || rest.startsWith('$$<')) {
      out += rest.slice(1, 3);
      i = dollar + 3;
    } else if (rest.startsWith('${')) {
      const end = value.indexOf('}', dollar + 2);
      if (end === -1) {
        throw new ConfigError('CONFIG_INVALID', `Unterminated macro at ${path || '/'}: "\${" without "}"`, {
          details: { path: path || '/' },
          hint: 'close the macro with "}" or write "$${" for a literal "${"',
        });
      }
      out += expandBraced(value.slice(dollar + 2, end), ctx, path);
      i = end + 1;
    } else {
      const angle = ANGLE_MACRO.exec(rest);
      if (angle?.[1] !== undefined) {
        const name = angle[1];
        const found = lookup(ctx.environment, name);
        if (found === undefined) {
          throw unresolved(`$<${name}>`, name, 'lay', path, `no variable ${name} in the active environment`);
        }
        out += found;
        i = dollar + angle[0].length;
      } else {
        out += '$';
        i = dollar + 1;
      }
    }
  }
  return out;
}

/** Keys of the `auth` object (and its `source`) that hold secrets. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['secretAccessKey', 'sessionToken', 'token']);
const SECRET_MACRO = /^\$\{sec:([^}]+)\}$/;

function isSecretField(keys: readonly PropertyKey[]): boolean {
  const last = keys.at(-1);
  return keys[0] === 'auth' && typeof last === 'string' && SECRET_FIELDS.has(last);
}

function plainSecretError(path: string): ConfigError {
  return new ConfigError(
    'CONFIG_INVALID',
    `Secret field ${path}: secrets are referenced by name, never typed in plain (use { "secret": "name" } or "\${sec:name}")`,
    { details: { path, paths: [path] }, hint: 'store the value in a secret store and reference it by name' },
  );
}

/**
 * Expands the macros of every string in a connection config (before validation, so error paths match
 * the input) and turns `"${sec:name}"` in secret fields into `{ secret: 'name' }`.
 * Collects every macro problem into one {@link ConfigError}.
 * @example
 * ```ts
 * const expanded = expandConfigMacros(rawConfig, { environment }, '/connections/0');
 * ```
 */
export function expandConfigMacros(config: unknown, ctx: MacroContext, basePath = ''): unknown {
  const errors: ConfigError[] = [];
  const walk = (value: unknown, keys: PropertyKey[]): unknown => {
    const path = jsonPointer(basePath, keys);
    if (isSecretField(keys) && typeof value === 'string') {
      const match = SECRET_MACRO.exec(value);
      if (match?.[1] === undefined) {
        errors.push(plainSecretError(path));
        return value;
      }
      return { secret: match[1] };
    }
    if (typeof value === 'string') {
      try {
        return expandMacros(value, ctx, path);
      } catch (error) {
        errors.push(error as ConfigError);
        return value;
      }
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...keys, index]));
    if (value !== null && typeof value === 'object' && !isSecret(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, [...keys, key])]),
      );
    }
    return value;
  };
  const expanded = walk(config, []);
  const [first] = errors;
  if (first === undefined) return expanded;
  if (errors.length === 1) throw first;
  const unresolvedOnly = errors.every((e) => e.code === 'CONFIG_MACRO_UNRESOLVED');
  const lines = errors.map((e) => `  ${e.message}`).join('\n');
  throw new ConfigError(
    unresolvedOnly ? 'CONFIG_MACRO_UNRESOLVED' : first.code,
    `Invalid macros in the connection config:\n${lines}`,
    {
      details: {
        paths: errors.map((e) => String(e.details.path)),
        variables: errors.flatMap((e) =>
          typeof e.details.variable === 'string' ? [e.details.variable] : [],
        ),
        issues: errors.map((e) => e.message),
      },
      hint: first.hint,
    },
  );
}
