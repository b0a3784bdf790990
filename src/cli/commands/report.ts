import { statSync, writeFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { loadPriceTable, PriceTableError, pricesPath, type PriceTable } from "../../analytics/prices.js";
import { parseReportParams, ReportParamError } from "../../analytics/report.js";
import { writeReport } from "../../analytics/render/index.js";
import { openStore } from "../../openStore.js";
import { isPostgresUrl } from "../../store/postgres/url.js";
import { behindTheLog, projectionsBehind, READ_MODELS } from "../../projections/behind.js";
import { dbPath } from "../db.js";
import { UsageError } from "../errors.js";
import { cliIo, writeOut } from "../io.js";

interface ReportOptions {
  by?: string;
  from?: string;
  to?: string;
  assistant?: string;
  model?: string;
  prices?: string;
  format?: string;
  out?: string;
  db?: string;
}

/** `stepstore report`: the §7 metrics by one dimension, as JSON, CSV, Markdown or a self-contained HTML page. */
export async function reportCommand(options: ReportOptions): Promise<void> {
  let params;
  try {
    params = parseReportParams(options);
  } catch (error) {
    if (error instanceof ReportParamError) throw new UsageError(`--${error.param}: ${error.message}`);
    throw error;
  }
  const prices = await priceTableOrUsage(options.prices);
  // `--out -` is stdout, as `-` is stdin for `ingest`: not a file named "-".
  const out = options.out === "-" ? undefined : options.out;
  if (out !== undefined) refuseStoreAsOut(out, dbPath(options.db));
  const { sql, path, close } = await openStore(dbPath(options.db), { mode: "read" });
  // Stdout takes each part as it is made, the next page read while a reader takes it; a file takes the whole report
  // once made, so a failed read leaves no half of one.
  const parts: string[] = [];
  const write = out === undefined ? writeOut : (part: string) => void parts.push(part);
  try {
    // A read never writes, so it cannot catch up a read model an upgrade added: it says so rather than report from empty tables.
    const behind = await projectionsBehind(sql, READ_MODELS);
    if (behind.length > 0) throw new Error(`${behindTheLog(path, behind)}; run \`stepstore rebuild\` (or any write command) once, then report`);
    await writeReport(sql, params, prices, write);
  } finally {
    await close();
  }
  if (out === undefined) return;
  try {
    writeFileSync(out, parts.join(""));
  } catch (error) {
    throw new Error(`--out ${out}: cannot write the report: ${(error as Error).message}`);
  }
  const note = formatUnlikeName(out, params.format);
  if (note !== null) cliIo().stderr.write(`${note}\n`);
}

/** The format a file's name promises. */
const FORMAT_NAMED: Record<string, string> = { ".html": "html", ".htm": "html", ".csv": "csv", ".md": "md", ".json": "json" };

/**
 * A note where `--out`'s name promises another format than the file got (`--out report.html` without `--format html`
 * is JSON, CONTRACT §8's default): written as asked, and said, so that a browser showing JSON is no surprise.
 */
function formatUnlikeName(out: string, format: string): string | null {
  const named = FORMAT_NAMED[extname(out).toLowerCase()];
  return named === undefined || named === format ? null : `stepstore: ${out} holds the report as ${format}, not ${named}: --format ${named} writes ${named}`;
}

/** A path's file, if it is one: under a regular file (ENOTDIR) or unreadable there is none, and writing to it says why. */
function statOf(path: string) {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** The same file, by path or (when both exist) by device and inode: a link to it is it too. */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  const [sa, sb] = [statOf(a), statOf(b)];
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** A report written over the SQLite store it reads (or its WAL, shared memory or journal) would destroy the store: refused. */
function refuseStoreAsOut(out: string, db: string): void {
  if (isPostgresUrl(db)) return;
  const hit = ["", "-wal", "-shm", "-journal"].find((suffix) => sameFile(out, `${db}${suffix}`));
  if (hit !== undefined) throw new UsageError(`--out ${out}: that is the store being read (${db}${hit}); write the report to another file`);
}

/** `--prices`, `$STEPSTORE_PRICES` or the shipped table; a file that cannot be used is bad usage (exit 2), naming it and the key. */
export async function priceTableOrUsage(option: string | undefined): Promise<PriceTable> {
  try {
    return await loadPriceTable(pricesPath(option));
  } catch (error) {
    if (error instanceof PriceTableError) throw new UsageError(error.message);
    throw error;
  }
}
