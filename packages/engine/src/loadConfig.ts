import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '@tributary/connection';

/** A config document read from a file, and the directory its relative paths resolve against. */
export interface LoadedDocument {
  document: unknown;
  path: string;
  baseDir: string;
}

/**
 * Reads a JSON config document from a file.
 * @throws {@link ConfigError} `CONFIG_INVALID` when the file is missing or not JSON (with line and column).
 * @example
 * ```ts
 * const { document, baseDir } = await loadDocument('tributary.json');
 * const config = validateConfig(document, { baseDir });
 * ```
 */
export async function loadDocument(file: string): Promise<LoadedDocument> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unknown';
    throw new ConfigError('CONFIG_INVALID', `Cannot read config file ${path} (${code})`, {
      details: { file: path, paths: ['/'], issues: [`/: cannot read the file (${code})`] },
      hint: code === 'ENOENT' ? 'check the path of the config file' : 'check the file permissions',
    });
  }
  try {
    return { document: JSON.parse(text) as unknown, path, baseDir: dirname(path) };
  } catch (error) {
    // V8 quotes a snippet of the text (`"..." is not valid JSON`): dropped, the file may hold anything.
    const message = (error instanceof Error ? error.message : String(error)).replace(
      /,? ".*" is not valid JSON/s,
      ' is not valid JSON',
    );
    throw new ConfigError('CONFIG_INVALID', `Config file ${path} is not valid JSON: ${message}`, {
      details: { file: path, paths: ['/'], issues: [`/: not valid JSON: ${message}`] },
      hint: 'fix the JSON syntax at the position given',
    });
  }
}
