import { stringify } from "csv-stringify/sync";
import { prettyJsonArrayPages } from "../records/json.js";

export type Row = Record<string, unknown>;

/** A table cell's most characters: a longer one is shortened with "…". */
const MAX_CELL = 60;

/** How many rows a streamed table reads before it fixes its column widths (those printed before: this many). */
export const TABLE_WIDTH_ROWS = 10_000;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The first `length` UTF-16 units of `text`, less a character the cut would split (half of it prints as U+FFFD). */
function cutAt(text: string, length: number): string {
  const cut = text.slice(0, length);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** A row's cells on one line each; past MAX_CELL only the fact that a cell is longer matters, so the rest is dropped. */
function tableCells(row: Row, columns: readonly string[]): string[] {
  return columns.map((c) => cell(row[c]).replace(/\s+/g, " ").slice(0, MAX_CELL + 1));
}

/** Each column as wide as its header and longest cell, at most MAX_CELL (a loop: spreading 120k cells into Math.max overflows the stack). */
function columnWidths(columns: readonly string[], rows: readonly string[][]): number[] {
  const widths = columns.map((c) => Math.min(MAX_CELL, c.length));
  for (const cells of rows) cells.forEach((value, i) => (widths[i] = Math.min(MAX_CELL, Math.max(widths[i]!, value.length))));
  return widths;
}

function tableLine(values: readonly string[], widths: readonly number[]): string {
  return values.map((v, i) => (v.length > widths[i]! ? `${cutAt(v, widths[i]! - 1)}…` : v.padEnd(widths[i]!))).join("  ").trimEnd() + "\n";
}

const tableHead = (columns: readonly string[], widths: readonly number[]) => tableLine(columns, widths) + tableLine(widths.map((w) => "-".repeat(w)), widths);

/** A plain aligned text table, for people at a terminal: a cell on one line, shortened past 60 characters (json, jsonl and csv give every value whole). */
export function formatTable(rows: readonly Row[], columns = rows[0] ? Object.keys(rows[0]) : []): string {
  const cells = rows.map((row) => tableCells(row, columns));
  const widths = columnWidths(columns, cells);
  return tableHead(columns, widths) + cells.map((values) => tableLine(values, widths)).join("");
}

function formatCsv(rows: readonly Row[], columns: readonly string[]): string {
  return stringify(rows.map((row) => columns.map((c) => cell(row[c]))), { header: true, columns: [...columns] });
}

function formatJsonl(rows: readonly unknown[]): string {
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

/** Rows made text a page at a time, for output that streams: `page` for each page read, `end` once after the last. */
export interface PagedFormat<R> {
  page(rows: readonly R[]): string;
  end(): string;
}

/** One JSON text a line. */
export function jsonlPages<R>(line: (row: R) => string = (row) => JSON.stringify(row)): PagedFormat<R> {
  return { page: (rows) => rows.map((row) => `${line(row)}\n`).join(""), end: () => "" };
}

/** One JSON array, the bytes `JSON.stringify(rows, null, 2)` gives, and a line break. */
export function jsonPages<R>(): PagedFormat<R> {
  const array = prettyJsonArrayPages(0);
  return { page: (rows) => array.page(rows), end: () => `${array.end()}\n` };
}

/**
 * formatTable for rows that stream: the widths come from the first TABLE_WIDTH_ROWS rows (held until then, as
 * short cells), so a table of up to that many rows is exactly formatTable's; a later cell wider than its
 * column is shortened with "…", as a cell past 60 characters always is.
 */
export function tablePages(columns: readonly string[], widthRows = TABLE_WIDTH_ROWS): PagedFormat<Row> {
  let held: string[][] | null = [];
  let widths: number[] = [];
  const flush = () => {
    widths = columnWidths(columns, held!);
    const text = tableHead(columns, widths) + held!.map((values) => tableLine(values, widths)).join("");
    held = null;
    return text;
  };
  return {
    page(rows) {
      const cells = rows.map((row) => tableCells(row, columns));
      if (held === null) return cells.map((values) => tableLine(values, widths)).join("");
      for (const values of cells) held.push(values);
      return held.length >= widthRows ? flush() : "";
    },
    end: () => (held === null ? "" : flush()),
  };
}
