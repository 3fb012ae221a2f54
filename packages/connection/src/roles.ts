/**
 * The roles of `required` that `nodeRoles` lacks (empty when the node may use the asset).
 * An empty `required` list means no restriction.
 * @example
 * ```ts
 * checkRequiredRoles(['ingest', 'eu'], ['ingest']); // ['eu']
 * ```
 */
export function checkRequiredRoles(required: readonly string[], nodeRoles: readonly string[]): string[] {
  const have = new Set(nodeRoles);
  return [...new Set(required)].filter((role) => !have.has(role));
}
