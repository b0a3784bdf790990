import { stringify } from "csv-stringify/sync";

export type Row = Record<string, unknown>;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The first `length` UTF-16 units of `text`, less a character the cut would split (half of it prints as U+FFFD). */
function cutAt(text: string, length: number): string {
  const cut = text.slice(0, length);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** A plain aligned text table, for people at a terminal: a cell on one line, shortened past 60 characters (json, jsonl and csv give every value whole). */
export function formatTable(rows: readonly Row[], columns = rows[0] ? Object.keys(rows[0]) : []): string {
  const cells = rows.map((row) => columns.map((c) => cell(row[c]).replace(/\s+/g, " ")));
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((r) => r[i]!.length))));
  const line = (values: string[]) =>
    values.map((v, i) => (v.length > widths[i]! ? `${cutAt(v, widths[i]! - 1)}…` : v.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") + "\n";
}

export function formatCsv(rows: readonly Row[], columns: readonly string[]): string {
  return stringify(rows.map((row) => columns.map((c) => cell(row[c]))), { header: true, columns: [...columns] });
}

export function formatJsonl(rows: readonly unknown[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join("");
}

export function formatRows(rows: readonly Row[], format: string, columns?: string[]): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(rows, null, 2)}\n`;
    case "jsonl":
      return formatJsonl(rows);
    case "csv":
      return formatCsv(rows, columns ?? (rows[0] ? Object.keys(rows[0]) : []));
    default:
      return formatTable(rows, columns);
  }
}
