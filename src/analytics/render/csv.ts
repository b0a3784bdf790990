import { stringify } from "csv-stringify/sync";
import { METRIC_COLUMNS } from "../metrics.js";
import type { Report } from "../report.js";

export const CSV_COLUMNS = ["key", ...METRIC_COLUMNS] as const;

/** CONTRACT §8: a header line `key,steps,completed,…` then one line per row; a NULL is an empty field. */
export function renderCsv(report: Report): string {
  const records = report.rows.map((row) => CSV_COLUMNS.map((column) => row[column] ?? ""));
  return stringify(records, { header: true, columns: [...CSV_COLUMNS], record_delimiter: "unix" });
}
