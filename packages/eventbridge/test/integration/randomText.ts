const CHARS = ['a', 'Z', '7', ' ', 'é', 'ß', 'Ж', '€', '中', '✓', '😀', '🚀'];

/** A random string of exactly `bytes` UTF-8 bytes, mixing 1- to 4-byte characters. */
export function randomText(bytes: number, random: () => number = Math.random): string {
  let text = '';
  let left = bytes;
  while (left > 0) {
    const char = CHARS[Math.floor(random() * CHARS.length)] as string;
    const size = Buffer.byteLength(char);
    if (size <= left) {
      text += char;
      left -= size;
    } else {
      text += 'x'.repeat(left);
      left = 0;
    }
  }
  return text;
}

/** Deterministic PRNG (mulberry32), so a failing run can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
