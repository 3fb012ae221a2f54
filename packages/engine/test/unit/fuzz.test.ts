// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macros are what these tests exercise
import { isTributaryError } from '@tributary/connection';
import { validateConfig } from '@tributary/engine';
import { describe, expect, it } from 'vitest';
import { validDocument } from './fixtures.js';

/** Small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function containers(
  value: Json,
  out: (Json[] | { [k: string]: Json })[] = [],
): (Json[] | { [k: string]: Json })[] {
  if (value !== null && typeof value === 'object') {
    out.push(value);
    for (const child of Object.values(value)) containers(child as Json, out);
  }
  return out;
}

const weird: (() => Json)[] = [
  () => null,
  () => 1e308,
  () => -1e308,
  () => Number.MAX_SAFE_INTEGER * 1024,
  () => 0.5,
  () => -1,
  () => true,
  () => '',
  () => 'x'.repeat(100_000),
  () => 'ñämé 名前 🚀',
  () => '${UNDEFINED_VAR}',
  () => '${sec:aws-secret}',
  () => '${env:',
  () => [],
  () => ({}),
  () => [[[[[[]]]]]],
];

function mutate(doc: Json, rnd: () => number): Json {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const rounds = 1 + Math.floor(rnd() * 4);
  for (let r = 0; r < rounds; r++) {
    const target = pick(containers(doc));
    const keys = Object.keys(target);
    const key = keys.length > 0 ? pick(keys) : '0';
    const op = Math.floor(rnd() * 6);
    const set = (value: Json) => {
      (target as Record<string, Json>)[key] = value;
    };
    if (op === 0 && keys.length > 0) {
      if (Array.isArray(target)) target.splice(Number(key), 1);
      else delete (target as Record<string, Json>)[key];
    } else if (op === 1) {
      set(pick(weird)());
    } else if (op === 2) {
      (target as Record<string, Json>)[pick(['ünïcode name', 'extra', '__proto__x', 'name', '💥'])] =
        pick(weird)();
    } else if (op === 3) {
      let deep: Json = 'leaf';
      const levels = Math.floor(rnd() * 200);
      for (let i = 0; i < levels; i++) deep = rnd() < 0.5 ? [deep] : { all: [deep] as Json };
      set(deep);
    } else if (op === 4) {
      set(`${pick(['名前', 'a b', 'x'.repeat(300), 'ok'])}`);
    } else {
      set(Math.floor(rnd() * 2 ** 52) * (rnd() < 0.5 ? -1 : 1));
    }
  }
  return doc;
}

describe('validateConfig fuzz', () => {
  it('answers 1,000 mutated documents with a result or a ConfigError naming paths, never a crash or a hang', () => {
    // Prepare
    const rnd = random(20_240_601);
    let errors = 0;
    const started = Date.now();
    // Act
    for (let i = 0; i < 1000; i++) {
      const doc = mutate(JSON.parse(JSON.stringify(validDocument())) as Json, rnd);
      const t0 = Date.now();
      try {
        validateConfig(doc, { processEnv: {}, baseDir: '/tmp' });
      } catch (error) {
        // Assess (per document)
        if (!isTributaryError(error) || error.name !== 'ConfigError')
          throw new Error(`document ${i}: ${String(error)}`);
        const paths = error.details.paths as string[];
        expect(paths.length, `document ${i}`).toBeGreaterThan(0);
        for (const path of paths) expect(path, `document ${i}`).toMatch(/^\//);
        errors += 1;
      }
      expect(Date.now() - t0, `document ${i} took too long`).toBeLessThan(2000);
    }
    // Assess
    expect(errors).toBeGreaterThan(900);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
