/** Edit distance between two strings (Levenshtein), capped work for long inputs. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length > 200 || b.length > 200) return Math.max(a.length, b.length);
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The closest known name to `name`, when it is close enough to be a likely typo. */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** `unknown source "ordrs" (did you mean "orders"?)`, or the list of known names. */
export function unknownReference(kind: string, name: string, known: readonly string[]): string {
  const shown = name.length > 80 ? `${name.slice(0, 77)}...` : name;
  const suggestion = closest(name, known);
  if (suggestion !== undefined) return `unknown ${kind} "${shown}" (did you mean "${suggestion}"?)`;
  if (known.length === 0) return `unknown ${kind} "${shown}" (none is declared)`;
  const list = known.slice(0, 10).map((k) => `"${k}"`);
  return `unknown ${kind} "${shown}" (known: ${list.join(', ')}${known.length > 10 ? ', ...' : ''})`;
}
