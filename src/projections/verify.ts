import type { Database } from "better-sqlite3";
import { integrityProblems } from "../store/integrity.js";
import { foldedRuns, foldedSteps } from "./verify/foldStreams.js";
import { createMergeDiff, type KeyedRow } from "./verify/mergeDiff.js";

type Row = Record<string, unknown>;

/** A table's rows in key order, read one at a time. */
function* storedRows(sqlite: Database, sql: string, keyOf: (row: Row) => string[]): Generator<KeyedRow> {
  for (const row of sqlite.prepare<[], Row>(sql).iterate()) yield { key: keyOf(row), row };
}

const PROGRESS_EVERY = 1000;

/**
 * Folds the log and compares it with the tables as sorted streams (a merge join per table), so memory
 * stays flat however long the log is; returns the first `limit` differences (none: they agree).
 * One read transaction: both sides are the same snapshot while others append.
 */
export function verifyProjections(sqlite: Database, limit = 20, onProgress?: (done: number, total: number) => void) {
  return sqlite.transaction(() => {
    const events = sqlite.prepare<[], number>("SELECT count(*) FROM events").pluck().get()!;
    let done = 0;
    onProgress?.(0, events);
    const onEvent = () => {
      if (++done % PROGRESS_EVERY === 0) onProgress?.(Math.min(done, events), events);
    };
    const steps = createMergeDiff("run_steps", storedRows(sqlite, "SELECT * FROM run_steps ORDER BY id", (r) => [r.id as string]), limit);
    const tools = createMergeDiff(
      "run_step_tools",
      storedRows(sqlite, "SELECT step_id, tool FROM run_step_tools ORDER BY step_id, tool", (r) => [r.step_id as string, r.tool as string]),
      limit,
    );
    for (const { columns, tools: stepTools } of foldedSteps(sqlite, onEvent)) {
      steps.visit({ key: [columns.id], row: columns });
      for (const tool of stepTools) tools.visit({ key: [columns.id, tool], row: { step_id: columns.id, tool } });
    }
    const runs = createMergeDiff("runs", storedRows(sqlite, "SELECT * FROM runs ORDER BY id", (r) => [r.id as string]), limit);
    for (const run of foldedRuns(sqlite, onEvent)) runs.visit({ key: [run.id], row: run });
    // Events of no step and no run (threads, errors) are read by neither stream: the work is done.
    onProgress?.(events, events);
    const differences = [...steps.finish(), ...runs.finish(), ...tools.finish()].slice(0, limit);
    return { events, differences };
  })();
}

export interface VerifyProgress {
  /** The file is being checked: no count to show yet. */
  checking(): void;
  /** Events of the log folded and compared so far, of all. */
  update(done: number, total: number): void;
}

export type VerifyReport = { damage: string[] } | { damage: null; events: number; differences: string[] };

/** `verify`: the file first (a damaged one is not compared), then the tables against the fold of the log. */
export function verifyStore(sqlite: Database, progress?: VerifyProgress): VerifyReport {
  progress?.checking();
  const damage = integrityProblems(sqlite);
  if (damage.length > 0) return { damage };
  return { damage: null, ...verifyProjections(sqlite, 20, progress?.update) };
}
