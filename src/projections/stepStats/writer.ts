import type { SqlPort } from "../../store/sqlPort.js";
import { byKeysStatements, insertStatements, rowsInsert, runTogether, type Statement } from "../../store/sqlBatch.js";
import { deleteAllSql, upsertOf } from "../../store/sqlText.js";
import type { BatchChanges } from "../changes.js";
import type { Projection } from "../projection.js";
import type { SummaryRow } from "./cells.js";
import { changesAnything, RollupDelta, type SummaryChange } from "./delta.js";
import { addChange, heldOf, movedPages, storedRow, type HeldSummary, type PageRow, type StoredSummary } from "./summary.js";
import { forgetHeld, heldRows, hold, type Held } from "./held.js";
import { stepSummaries, stepSummarySeconds } from "./tables.js";
import { PROJECTION_NAMES } from "../behind.js";
import { valuesOf, type ReadAhead } from "../readAhead.js";
import { modelsNow, movedSteps, readAheadRollups, readSummaries, runsMovingSteps, type RollupsAhead } from "./reads.js";

// A cell is its dimension and key: an update sets neither, and leaves `step_summaries_dimension` as it was.
const UPSERT = upsertOf(stepSummaries, ["cell"], ["dimension", "key"]);
const UPSERT_ROWS = rowsInsert({ sql: UPSERT.sql });
const DROP = "DELETE FROM step_summaries WHERE";
const UPSERT_PAGE = upsertOf(stepSummarySeconds, ["cell", "page"]);
const UPSERT_PAGES = rowsInsert({ sql: UPSERT_PAGE.sql });
const DROP_PAGE = "DELETE FROM step_summary_seconds WHERE cell = ? AND page = ?";

/**
 * The batch's net change to each summary: each changed step leaves its old keys for its new ones; a run's new model
 * moves its other steps. The models (on PostgreSQL mostly read ahead) and the moved steps are read side by side.
 */
async function deltaOf(tx: SqlPort, changes: BatchChanges, ahead: ReadAhead<string | null> | undefined, held: Held): Promise<RollupDelta> {
  const delta = new RollupDelta();
  const [modelNow, moved] = await Promise.all([
    modelsNow(tx, changes, ahead, held.runModels),
    runsMovingSteps(tx, changes, held).then((runIds) => movedSteps(tx, changes, runIds)),
  ]);
  const modelBefore = (runId: string | null) => (runId !== null && changes.runModels.has(runId) ? changes.runModels.get(runId)!.before : modelNow(runId));
  for (const { before, after } of changes.steps.values()) delta.move(before, before && modelBefore(before.runId), after, after && modelNow(after.runId));
  // Read by its row's run: one whose model changed.
  for (const step of moved) delta.move(step, changes.runModels.get(step.runId!)!.before, step, modelNow(step.runId));
  return delta;
}

/**
 * The statements that store a batch's changes, each added to its summary (the percentiles ranked again over a moved
 * histogram): each changed row and each moved page of a histogram, or its drop where no step counts in it any more.
 */
function storing(tx: SqlPort, touched: readonly SummaryChange[], summaries: readonly HeldSummary[], held: Map<string, HeldSummary>): Statement[] {
  const [rows, emptied, pages, emptiedPages]: [SummaryRow[], string[], PageRow[], Statement[]] = [[], [], [], []];
  for (const [i, change] of touched.entries()) {
    const summary = summaries[i]!;
    addChange(summary, change);
    const row = storedRow(change, summary);
    if (row) rows.push(row);
    else emptied.push(change.cell);
    const moved = movedPages(change.cell, summary);
    pages.push(...moved.rows);
    for (const page of moved.emptied) emptiedPages.push([DROP_PAGE, [change.cell, page]]);
    // An emptied summary stays held, with no steps: its row is dropped, as none is stored for a key never counted.
    hold(held, change.cell, summary);
  }
  return [
    ...insertStatements(tx, UPSERT_ROWS, rows.map(UPSERT.values)), ...byKeysStatements(tx, DROP, "cell", emptied),
    ...insertStatements(tx, UPSERT_PAGES, pages.map(UPSERT_PAGE.values)), ...emptiedPages,
  ];
}

/**
 * Writes a delta: reads the summaries it touches that the writer does not hold (held.ts) nor read ahead (under the
 * append lock, so no other writer moves them meanwhile), adds its changes in JavaScript and stores them: one statement
 * on PostgreSQL.
 */
async function applyDelta(tx: SqlPort, delta: RollupDelta, ahead: ReadAhead<StoredSummary> | undefined, { summaries: held }: Held): Promise<void> {
  const touched = [...delta.summaries.values()].filter(changesAnything);
  if (touched.length === 0) return;
  const unheld = touched.filter((change) => !held.has(change.cell)).map((change) => change.cell);
  const stored = await valuesOf(ahead, unheld, (cells) => readSummaries(tx, cells));
  // Each found before any is held anew: holding one may drop another the batch touches, held when `unheld` was read.
  const summaries = touched.map((change) => held.get(change.cell) ?? heldOf(stored.get(change.cell)));
  await runTogether(tx, storing(tx, touched, summaries, held));
}

/** The rollups projection: `step_summaries`, moved by each batch's changes to rows and run models. */
export const stepStatsProjection: Projection<RollupsAhead> = {
  name: PROJECTION_NAMES.stepStats,
  buildsOnChanges: true,
  readAhead: readAheadRollups,
  // A store made before the rollups is refolded whole when first opened for writing (rebuild.ts: catchUpProjections).
  async apply(tx, _events, changes, ahead) {
    const held = heldRows(tx);
    await applyDelta(tx, await deltaOf(tx, changes, ahead?.models, held), ahead?.summaries, held);
  },
  async truncate(tx) {
    forgetHeld(tx);
    await tx.run(deleteAllSql(stepSummaries));
    await tx.run(deleteAllSql(stepSummarySeconds));
  },
};
