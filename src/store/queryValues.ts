/**
 * A value of a user's `sql` row as both stores print it: an integer past 2^53 as its exact digits (text, never rounded),
 * a BLOB (`bytea`) as PostgreSQL writes one, `\x` and its bytes in hex, rather than Node's Buffer as JSON.
 */
export function userValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString("hex")}`;
  return value;
}

/**
 * A query's column names, each printed once: a name the query gives again (`SELECT s.id, r.id …` is `id` twice) is
 * `id:2` the second time, so that no column hides another in a JSON object, and every format shows the same names.
 */
export function uniqueColumns(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    let unique = name;
    for (let n = 2; taken.has(unique); n++) unique = `${name}:${n}`;
    taken.add(unique);
    return unique;
  });
}

/** A row read as an array of values in column order, as an object under the columns' unique names, each value as `userValue` prints it. */
export function userRow(columns: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = Object.create(null); // a column named __proto__ is a column like any other
  columns.forEach((column, i) => (row[column] = userValue(values[i])));
  return row;
}
