/**
 * Values a projection read by key before folding (sent with the batch's insert), and which keys it read: a key
 * read and absent has no value. What the fold then needs beyond them it reads itself, so a fold is exact
 * whatever was read ahead.
 */
export interface LookedUp<V> {
  values: Map<string, V>;
  of: Set<string>;
}

/** The values of these keys: those looked up, the rest read now (and looked up from then on). */
export async function valuesOf<V>(known: LookedUp<V>, keys: readonly string[], read: (keys: string[]) => Promise<Map<string, V>>): Promise<Map<string, V>> {
  const missing = [...new Set(keys)].filter((key) => !known.of.has(key));
  for (const [key, value] of await read(missing)) known.values.set(key, value);
  for (const key of missing) known.of.add(key);
  return known.values;
}
