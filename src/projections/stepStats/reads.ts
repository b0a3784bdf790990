import type { LogEvent } from "../../records/events.js";
import { selectByKeys } from "../../store/sqlBatch.js";
import { columnsByKeyNamesSql } from "../../store/sqlText.js";
import type { SqlPort } from "../../store/sqlPort.js";
import { stepFacts, type BatchChanges, type StepFacts } from "../changes.js";
import { idsNamed, readAhead, valuesOf, type ReadAhead } from "../readAhead.js";
import { factValues, toolsOf, type RunStepRow } from "../runSteps/row.js";
import { readTools, STEP_FACT_COLUMNS, toolsByStep } from "../runSteps/storedState.js";
import { hold, type Held } from "./held.js";
import { heldOf, type StoredSummary } from "./summary.js";
import { cellOf, cellsOf, COUNT_INDEX, type SummaryRow } from "./cells.js";
import { modelKeySql, UNKNOWN_MODEL } from "./dimensions.js";
import { stepSummaries } from "./tables.js";

// What the rollups read of a batch: its runs' models and the summaries it will move (both read ahead on PostgreSQL),
// and the stored steps a run's new model moves.

type NamedIds = ReturnType<typeof idsNamed>;

const readModels = async (tx: SqlPort, runIds: readonly string[]) =>
  new Map((await selectByKeys<{ id: string; model: string | null }>(tx, "SELECT id, model FROM runs WHERE", "id", runIds)).map((r) => [r.id, r.model]));
const MODELS_OF_STEPS = "SELECT s.run_id AS run_id, r.model AS model FROM run_steps s LEFT JOIN runs r ON r.id = s.run_id WHERE";

/**
 * The models of the runs the batch's events name and of those its steps' stored rows are in (what modelsNow reads).
 * The steps a run's new model moves are not read ahead: reading those of runs without a model yet (a run named after
 * its steps) beside them saved 0.06 packets a webhook at one connection and no webhooks/s at sixteen.
 */
function readAheadModels(tx: SqlPort, { stepIds, runIds }: NamedIds): ReadAhead<string | null> {
  const ofSteps = selectByKeys<{ run_id: string | null; model: string | null }>(tx, MODELS_OF_STEPS, "s.id", stepIds);
  return readAhead(Promise.all([readModels(tx, runIds), ofSteps]).then(([values, rows]) => {
    const asked = new Set(runIds);
    for (const { run_id: runId, model } of rows) {
      if (runId === null) continue;
      asked.add(runId);
      values.set(runId, model);
    }
    return { asked, values };
  }));
}

const SELECT_FACTS = `SELECT id, ${STEP_FACT_COLUMNS} FROM run_steps WHERE`;

/** A summary's row with one of its histogram's pages (none: nulls), a row a page. */
type SummaryPageRow = SummaryRow & { page: number | string | null; pageHistogram: string | null };
const SELECT_SUMMARIES = `SELECT ${columnsByKeyNamesSql(stepSummaries, "s")}, p.page AS "page", p.histogram AS "pageHistogram"
  FROM step_summaries s LEFT JOIN step_summary_seconds p ON p.cell = s.cell WHERE`;
const SELECT_SUMMARIES_OF_RUN_MODELS = `${SELECT_SUMMARIES} s.dimension = 'model' AND s.key IN (SELECT ${modelKeySql("model")} FROM runs WHERE`;

/** Rows of SELECT_SUMMARIES as stored summaries, by cell: a page read twice (by two chunks of keys) taken once. */
function storedSummaries(rows: readonly SummaryPageRow[]): Map<string, StoredSummary> {
  const found = new Map<string, { row: SummaryRow; pages: Map<string, string> }>();
  for (const { page, pageHistogram, ...row } of rows) {
    let summary = found.get(row.cell);
    if (summary === undefined) found.set(row.cell, (summary = { row, pages: new Map() }));
    if (pageHistogram !== null) summary.pages.set(String(page), pageHistogram);
  }
  return new Map([...found].map(([cell, { row, pages }]) => [cell, { row, pages: [...pages.values()] }]));
}

/** The stored summaries of `cells`, by cell (those not stored left out). */
export const readSummaries = async (tx: SqlPort, cells: readonly string[]) =>
  storedSummaries(await selectByKeys<SummaryPageRow>(tx, SELECT_SUMMARIES, "s.cell", cells));

/**
 * The summaries a batch will most likely move, by what its events say: each step snapshot's cells as its row would
 * count them (the fold of several events, or a stored row with other keys, can move others: read when applied), the
 * models its runs name, and the models of its runs as stored. A cell is asked only where the answer is certain: one
 * named, or one found by its run's model.
 */
function readAheadSummaries(tx: SqlPort, events: readonly LogEvent[], { runIds }: NamedIds): ReadAhead<StoredSummary> {
  const named = new Set<string>();
  for (const event of events) {
    if (event.kind === "step") {
      // Read as runStepValues reads a row: a key the snapshot leaves out reads as null, as normalizeRunStep writes it.
      const snapshot = event.payload as RunStepRow;
      for (const cell of cellsOf(stepFacts(factValues(snapshot), toolsOf(snapshot)), UNKNOWN_MODEL)) named.add(cell);
    } else if (event.kind === "run") named.add(cellOf("model", typeof event.payload.model === "string" ? event.payload.model : UNKNOWN_MODEL));
  }
  return readAhead(Promise.all([
    readSummaries(tx, [...named]),
    selectByKeys<SummaryPageRow>(tx, SELECT_SUMMARIES_OF_RUN_MODELS, "id", runIds, ")").then(storedSummaries),
  ]).then(([values, ofRunModels]) => {
    for (const [cell, summary] of ofRunModels) values.set(cell, summary);
    return { asked: new Set([...named, ...values.keys()]), values };
  }));
}

/** What the rollups read ahead: the models of the batch's runs, and the summaries it moves. */
export interface RollupsAhead {
  models: ReadAhead<string | null>;
  summaries: ReadAhead<StoredSummary>;
}

export function readAheadRollups(tx: SqlPort, events: readonly LogEvent[]): RollupsAhead {
  const ids = idsNamed(events);
  return { models: readAheadModels(tx, ids), summaries: readAheadSummaries(tx, events, ids) };
}

/**
 * Each run's model now (after this batch's runs), null when no snapshot named one: the batch's runs read at once, but
 * for those it changed and those `held` holds (held.ts), which then holds each of them as it is after this batch.
 */
export async function modelsNow(
  tx: SqlPort,
  changes: BatchChanges,
  ahead: ReadAhead<string | null> | undefined,
  held: Map<string, string | null>,
): Promise<(runId: string | null) => string | null> {
  const runIds = new Set(changes.runModels.keys());
  for (const { before, after } of changes.steps.values()) for (const step of [before, after]) if (step?.runId) runIds.add(step.runId);
  const unknown = [...runIds].filter((id) => !changes.runModels.has(id) && !held.has(id));
  const known = await valuesOf(ahead, unknown, (ids) => readModels(tx, ids));
  const models = new Map<string, string | null>();
  for (const runId of runIds) {
    // The models this batch gave runs: written after the read ahead, and after what was held.
    const changed = changes.runModels.get(runId);
    models.set(runId, changed ? changed.after : held.has(runId) ? held.get(runId)! : known.get(runId) ?? null);
  }
  // Each found before any is held anew: holding one may drop the others.
  for (const [runId, model] of models) hold(held, runId, model);
  return (runId) => (runId === null ? null : models.get(runId) ?? null);
}

const UNKNOWN_MODEL_CELL = cellOf("model", UNKNOWN_MODEL);

/**
 * The runs of the batch whose new model may move stored steps. A run that had no model moves the steps counted under
 * (unknown): none while that summary is empty, which a writer whose summaries outlast a transaction (held.ts) reads
 * once and then keeps; so a run named before its steps, as webhooks mostly come, costs no look for them.
 */
export async function runsMovingSteps(tx: SqlPort, changes: BatchChanges, held: Held): Promise<string[]> {
  const runIds = [...changes.runModels.keys()];
  if (runIds.length === 0 || !held.lasting) return runIds;
  let unknown = held.summaries.get(UNKNOWN_MODEL_CELL);
  if (unknown === undefined) {
    unknown = heldOf((await readSummaries(tx, [UNKNOWN_MODEL_CELL])).get(UNKNOWN_MODEL_CELL));
    hold(held.summaries, UNKNOWN_MODEL_CELL, unknown);
  }
  return unknown.counts[COUNT_INDEX.steps] === 0 ? runIds.filter((id) => changes.runModels.get(id)!.before !== null) : runIds;
}

/**
 * The stored steps of `runIds` (runs whose model changed), as the rollups count them, less those the batch changed (counted
 * with their own facts): found by their rows' run (the index `run_steps_run_order` leads by it), not through the log,
 * whose events of a run lie scattered among the others (on PostgreSQL that read was 15% of an ingest). Their tools are
 * read only for steps found: a run's model is mostly learned before its steps.
 */
export async function movedSteps(tx: SqlPort, changes: BatchChanges, runIds: readonly string[]): Promise<StepFacts[]> {
  if (runIds.length === 0) return [];
  const rows = (await selectByKeys<Omit<StepFacts, "tools"> & { id: string }>(tx, SELECT_FACTS, "run_id", runIds)).filter((row) => !changes.steps.has(row.id));
  if (rows.length === 0) return [];
  const toolsOf = toolsByStep(await readTools(tx, rows.map((row) => row.id)));
  return rows.map((row) => stepFacts(row, toolsOf.get(row.id) ?? []));
}
