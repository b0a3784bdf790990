import type { Database } from "better-sqlite3";
import { eventCount } from "../store/checkpoints.js";
import { integrityProblems } from "../store/integrity.js";
import { inCodePointOrder, withSqliteSnapshot, type RowSource } from "../store/rowSource.js";
import { checkpointsOffTheLog, READ_MODELS } from "./behind.js";
import { verifySummaries } from "./stepStats/verifySummaries.js";
import { comparableFold, type StepFoldState } from "./runSteps/evolve.js";
import { foldedAssistants, foldedRuns, foldedSteps } from "./verify/foldStreams.js";
import { createMergeDiff, type KeyedRow } from "./verify/mergeDiff.js";

type Row = Record<string, unknown>;

/** A table's rows in key order, read one at a time (each as `compared` gives it). */
async function* storedRows(source: RowSource, sql: string, keyOf: (row: Row) => string[], compared = (row: Row) => row): AsyncGenerator<KeyedRow> {
  for await (const row of source.rows<Row>(sql)) yield { key: keyOf(row), row: compared(row) };
}

/** A kept fold state as verify compares it (comparableFold); one that is no JSON is compared as it stands. */
function comparedFold(row: Row): Row {
  try {
    return { ...row, state: comparableFold(JSON.parse(row.state as string) as StepFoldState) };
  } catch {
    return row;
  }
}

const PROGRESS_EVERY = 1000;
/** The most differences verify reports. */
const MAX_DIFFERENCES = 20;

/**
 * Each read model's checkpoint against the log's last position. Every commit moves them together, so one that differs
 * is a read model a read refuses as behind (or a hand edit): the tables may equal the fold and the store still not serve.
 */
async function checkpointDifferences(source: RowSource): Promise<string[]> {
  const { last, off } = await checkpointsOffTheLog(source, READ_MODELS);
  return off.map(({ name, at }) => `checkpoints: ${name} at ${at ?? "none"}, the log at ${last}`);
}

/**
 * Folds the log and compares it with the tables as sorted streams (a merge join per table), so memory
 * stays flat however long the log is; then the summaries against those tables, a dimension at a time (in SQL). Returns the
 * first MAX_DIFFERENCES differences (none: they agree).
 * `source` is one snapshot: both sides are the same moment while others append.
 */
export async function verifyRows(source: RowSource, onProgress?: VerifyProgress["update"]) {
  const ordered = (column: string) => inCodePointOrder(source.dialect, column);
  const events = await eventCount(source);
  let done = 0;
  await onProgress?.(0, events);
  const onEvent = async () => {
    if (++done % PROGRESS_EVERY === 0) await onProgress?.(Math.min(done, events), events);
  };
  const steps = await createMergeDiff("run_steps", storedRows(source, `SELECT * FROM run_steps ORDER BY ${ordered("id")}`, (r) => [r.id as string]), MAX_DIFFERENCES);
  const tools = await createMergeDiff(
    "run_step_tools",
    storedRows(source, `SELECT step_id, tool FROM run_step_tools ORDER BY ${ordered("step_id")}, ${ordered("tool")}`, (r) => [r.step_id as string, r.tool as string]),
    MAX_DIFFERENCES,
  );
  // The writer's own state too: a lost or edited one would make the next append fold the step wrong.
  const foldRows = storedRows(source, `SELECT step_id, state FROM run_step_folds ORDER BY ${ordered("step_id")}`, (r) => [r.step_id as string], comparedFold);
  const folds = await createMergeDiff("run_step_folds", foldRows, MAX_DIFFERENCES);
  for await (const { id, columns, tools: stepTools, fold } of foldedSteps(source, onEvent)) {
    if (columns) await steps.visit({ key: [id], row: columns });
    for (const tool of stepTools) await tools.visit({ key: [id, tool], row: { step_id: id, tool } });
    if (fold !== null) await folds.visit({ key: [id], row: { step_id: id, state: fold } });
  }
  const runs = await createMergeDiff("runs", storedRows(source, `SELECT * FROM runs ORDER BY ${ordered("id")}`, (r) => [r.id as string]), MAX_DIFFERENCES);
  const expiries = await createMergeDiff("run_expiries", storedRows(source, `SELECT * FROM run_expiries ORDER BY ${ordered("run_id")}`, (r) => [r.run_id as string]), MAX_DIFFERENCES);
  for await (const { id, run, expiry } of foldedRuns(source, onEvent)) {
    if (run) await runs.visit({ key: [id], row: run });
    if (expiry) await expiries.visit({ key: [id], row: expiry });
  }
  const assistantRows = await createMergeDiff("assistants", storedRows(source, `SELECT * FROM assistants ORDER BY ${ordered("id")}`, (r) => [r.id as string]), MAX_DIFFERENCES);
  for await (const assistant of foldedAssistants(source, onEvent)) await assistantRows.visit({ key: [assistant.id], row: assistant });
  // Events of no step, run or assistant (threads, errors) are read by no stream: the work is done.
  await onProgress?.(events, events);
  const folded = [
    ...(await checkpointDifferences(source)), ...(await steps.finish()), ...(await runs.finish()), ...(await tools.finish()),
    ...(await assistantRows.finish()), ...(await folds.finish()), ...(await expiries.finish()),
  ];
  const differences = [...folded, ...(await verifySummaries(source, MAX_DIFFERENCES - Math.min(MAX_DIFFERENCES, folded.length)))].slice(0, MAX_DIFFERENCES);
  return { events, differences };
}

/** `verifyRows` on a SQLite connection, in one read transaction. */
export function verifyProjections(sqlite: Database, onProgress?: VerifyProgress["update"]) {
  return withSqliteSnapshot(sqlite, (source) => verifyRows(source, onProgress));
}

export interface VerifyProgress {
  /** The file is being checked: no count to show yet. */
  checking(): void;
  /** Events of the log folded and compared so far, of all; its rejection ends the comparison. */
  update(done: number, total: number): void | Promise<void>;
}

export type VerifyReport = { damage: string[] } | { damage: null; events: number; differences: string[] };

/** `verify` on SQLite: the file first (a damaged one is not compared), then the tables against the fold of the log. */
export async function verifyStore(sqlite: Database, progress?: VerifyProgress): Promise<VerifyReport> {
  progress?.checking();
  const damage = integrityProblems(sqlite);
  if (damage.length > 0) return { damage };
  return { damage: null, ...(await verifyProjections(sqlite, progress?.update)) };
}
