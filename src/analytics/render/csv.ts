import { stringify } from "csv-stringify/sync";
import { REPORT_COLUMNS } from "../metrics.js";
import type { Report } from "../report.js";

/** OWASP's CSV-injection defence: a text cell a spreadsheet would read as a formula is prefixed with `'`. */
const FORMULA_START = /^[=+\-@\t\r]/;
const inert = (value: string | number) => (typeof value === "string" && FORMULA_START.test(value) ? `'${value}` : value);

/** CONTRACT §8: a header line `key,steps,completed,…` then one line per row; a NULL is an empty field. */
export function renderCsv(report: Report): string {
  const records = report.rows.map((row) => REPORT_COLUMNS.map((column) => inert(row[column] ?? "")));
  // csv-stringify quotes a field with a \n but not one with a lone \r, which a CSV reader takes for a line end too.
  return stringify(records, { header: true, columns: [...REPORT_COLUMNS], record_delimiter: "unix", quoted_match: /\r/ });
}
