/**
 * A value of a user's `sql` row as both stores print it: an integer past 2^53 as its exact digits (text, never rounded),
 * a BLOB (`bytea`) as PostgreSQL writes one, `\x` and its bytes in hex, rather than Node's Buffer as JSON.
 */
export function userValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString("hex")}`;
  return value;
}

/** A row with each value as `userValue` prints it. */
export function userRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const column in row) row[column] = userValue(row[column]);
  return row;
}
