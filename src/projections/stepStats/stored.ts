import type { LogEvent } from "../../records/events.js";
import { selectByKeys } from "../../store/sqlBatch.js";
import type { SqlPort } from "../../store/sqlPort.js";
import type { BatchChanges, StepFacts } from "../changes.js";
import { valuesOf, type LookedUp } from "../lookedUp.js";
import { STEP_FACT_COLUMNS } from "../runSteps/storedState.js";

/** What the rollups read before the batch folds: run models, and the stored steps of the runs its run events name. */
export interface Loaded {
  models: LookedUp<string | null>;
  stepsOfRuns: { of: Set<string>; steps: Map<string, StepFacts> };
}

/** Each stored step row's run, with that run's model (null when no snapshot named one). */
const MODEL_OF_STEP = `SELECT s.run_id AS id, r.model FROM run_steps s LEFT JOIN runs r ON r.id = s.run_id WHERE s.run_id IS NOT NULL AND`;
const readModels = async (tx: SqlPort, runIds: readonly string[]) =>
  new Map((await selectByKeys<{ id: string; model: string | null }>(tx, "SELECT id, model FROM runs WHERE", "id", runIds)).map((r) => [r.id, r.model]));

/** Selects of the stored steps of some runs (those with a snapshot naming one, as deltas carry no run id): `WHERE` + the runs + `)`. */
const OF_RUNS = "IN (SELECT step_id FROM events WHERE step_id IS NOT NULL AND";

/** The stored steps of these runs, by id, as the rollups count them: rows and tools read at once, each finding the runs' steps in the log itself. */
async function storedStepsOf(tx: SqlPort, runIds: readonly string[]): Promise<Map<string, StepFacts>> {
  const [rows, stepTools] = await Promise.all([
    selectByKeys<Omit<StepFacts, "tools"> & { id: string }>(tx, `SELECT id, ${STEP_FACT_COLUMNS} FROM run_steps WHERE id ${OF_RUNS}`, "run_id", runIds, ")"),
    selectByKeys<{ step_id: string; tool: string }>(tx, `SELECT step_id, tool FROM run_step_tools WHERE step_id ${OF_RUNS}`, "run_id", runIds, ")"),
  ]);
  // A step with snapshots naming two of the runs is found by each (one statement a run on SQLite): counted once.
  const tools = new Map<string, Set<string>>();
  for (const { step_id, tool } of stepTools) tools.set(step_id, (tools.get(step_id) ?? new Set()).add(tool));
  return new Map(rows.map(({ id, ...row }) => [id, { ...row, tools: [...(tools.get(id) ?? [])] }]));
}

/**
 * Reads, at once: the models of the runs the events name and of the runs of their steps' stored rows (a delta names no
 * run), and the stored steps of the runs their run events name, which move when a run's model changes. A fold that
 * needs more (the steps of an expired run) reads it then.
 */
export async function load(tx: SqlPort, events: readonly LogEvent[]): Promise<Loaded> {
  const runIds = new Set<string>();
  const runEvents = new Set<string>();
  const stepIds = new Set<string>();
  for (const event of events) {
    if (event.kind === "run") runEvents.add(event.payload.id);
    if (event.kind === "step" && event.payload.run_id) runIds.add(event.payload.run_id);
    if (event.kind === "step" || event.kind === "stepDelta") stepIds.add(event.payload.id);
  }
  const [named, ofSteps, steps] = await Promise.all([
    readModels(tx, [...new Set([...runIds, ...runEvents])]),
    selectByKeys<{ id: string; model: string | null }>(tx, MODEL_OF_STEP, "s.id", [...stepIds]),
    storedStepsOf(tx, [...runEvents]),
  ]);
  for (const { id, model } of ofSteps) named.set(id, model);
  return { models: { values: named, of: new Set([...runIds, ...runEvents, ...named.keys()]) }, stepsOfRuns: { of: runEvents, steps } };
}

/** Each run's model now (after this batch's runs, which the runs projection recorded), null when no snapshot named one. */
export async function modelsNow(tx: SqlPort, changes: BatchChanges, loaded: Loaded): Promise<(runId: string | null) => string | null> {
  const runIds: string[] = [];
  for (const { before, after } of changes.steps.values()) for (const step of [before, after]) if (step?.runId) runIds.push(step.runId);
  const known = await valuesOf(loaded.models, runIds, (missing) => readModels(tx, missing));
  return (runId) => (runId === null ? null : changes.runModels.has(runId) ? changes.runModels.get(runId)!.after : known.get(runId) ?? null);
}

/** The stored steps of the runs whose model changed, less those the batch changed (counted with their own facts). */
export async function movedSteps(tx: SqlPort, changes: BatchChanges, loaded: Loaded): Promise<StepFacts[]> {
  const runIds = [...changes.runModels.keys()];
  const { of, steps } = loaded.stepsOfRuns;
  const stored = runIds.every((runId) => of.has(runId)) ? steps : await storedStepsOf(tx, runIds);
  return [...stored].flatMap(([id, step]) => (changes.steps.has(id) ? [] : [step]));
}
