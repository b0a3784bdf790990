import { compareCodePoints } from "../../records/canonical.js";

type Row = Record<string, unknown>;

/** A row and its key: the values it is ordered by, as SQLite orders text (by byte, which is code point order). */
export interface KeyedRow {
  key: readonly string[];
  row: Row;
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const order = compareCodePoints(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return 0;
}

const show = (value: unknown) => JSON.stringify(value);

/** How a difference names its row: the id, or the whole key of a composite one. */
const labelOf = (key: readonly string[]) => (key.length === 1 ? key[0]! : show(key));

/**
 * Compares a table, read in key order, with the rows the log gives, pushed in the same order: a merge
 * join, so neither side is held. Keeps the first `limit` differences; `finish` reports the table's
 * remaining rows as extra.
 */
export async function createMergeDiff(table: string, stored: AsyncIterator<KeyedRow>, limit: number) {
  const found: string[] = [];
  let next = await stored.next();
  const report = (key: readonly string[], what: string) => {
    if (found.length < limit) found.push(`${table} ${labelOf(key)}: ${what}`);
  };

  function columnsDiffering(expected: Row, actual: Row): string | null {
    const columns = Object.keys(expected).filter((c) => show(expected[c]) !== show(actual[c]));
    if (columns.length === 0) return null;
    return columns.map((c) => `${c} is ${show(actual[c])}, the log gives ${show(expected[c])}`).join("; ");
  }

  /** The log's next row: the table's rows before it are extra, an equal key is compared column by column. */
  async function visit(expected: KeyedRow): Promise<void> {
    while (!next.done && compareKeys(next.value.key, expected.key) < 0) {
      report(next.value.key, "in the table, but the log gives no such row");
      next = await stored.next();
    }
    if (next.done || compareKeys(next.value.key, expected.key) > 0) return report(expected.key, "missing from the table");
    const differing = columnsDiffering(expected.row, next.value.row);
    if (differing) report(expected.key, differing);
    next = await stored.next();
  }

  async function finish(): Promise<string[]> {
    for (; !next.done && found.length < limit; next = await stored.next()) report(next.value.key, "in the table, but the log gives no such row");
    await stored.return?.(); // frees the table's statement when the limit stopped the reading early
    return found;
  }

  return { visit, finish };
}
