/** Deepest nesting of arrays/objects in a JSON value, found without recursion (safe for any depth). */
export function nestingDepth(value: unknown, limit: number): { depth: number; path: string } {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  let deepest = { depth: 0, path: '' };
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number; path: string };
    if (item.value === null || typeof item.value !== 'object') continue;
    const depth = item.depth + 1;
    if (depth > deepest.depth) deepest = { depth, path: item.path };
    if (depth > limit) return deepest;
    for (const [key, child] of Object.entries(item.value)) {
      if (child !== null && typeof child === 'object') {
        stack.push({
          value: child,
          depth,
          path: `${item.path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`,
        });
      }
    }
  }
  return deepest;
}
