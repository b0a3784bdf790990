import type { LogEvent } from "../../records/events.js";
import { stepsOfRuns } from "../../store/readEvents.js";
import { selectByKeys, selectByKeysTogether } from "../../store/sqlBatch.js";
import type { SqlPort } from "../../store/sqlPort.js";
import type { BatchChanges, StepFacts } from "../changes.js";
import { valuesOf, type LookedUp } from "../lookedUp.js";
import { STEP_FACT_COLUMNS } from "../runSteps/storedState.js";

/** What the rollups read before the batch folds: run models, and the steps of the runs its run events name. */
export interface Loaded {
  models: LookedUp<string | null>;
  stepsOfRuns: { of: Set<string>; stepIds: string[] };
}

/** Each stored step row's run, with that run's model (null when no snapshot named one). */
const MODEL_OF_STEP = `SELECT s.run_id AS id, r.model FROM run_steps s LEFT JOIN runs r ON r.id = s.run_id WHERE s.run_id IS NOT NULL AND`;
const SELECT_MODEL = "SELECT id, model FROM runs WHERE";
const readModels = async (tx: SqlPort, runIds: readonly string[]) =>
  new Map((await selectByKeys<{ id: string; model: string | null }>(tx, SELECT_MODEL, "id", runIds)).map((r) => [r.id, r.model]));

/** The stored steps with these ids, as the rollups count them: rows and tools read at once. */
async function storedSteps(tx: SqlPort, stepIds: readonly string[]): Promise<StepFacts[]> {
  const [rows, stepTools] = await Promise.all([
    selectByKeys<Omit<StepFacts, "tools"> & { id: string }>(tx, `SELECT id, ${STEP_FACT_COLUMNS} FROM run_steps WHERE`, "id", stepIds),
    selectByKeys<{ step_id: string; tool: string }>(tx, "SELECT step_id, tool FROM run_step_tools WHERE", "step_id", stepIds),
  ]);
  const tools = new Map<string, string[]>();
  for (const { step_id, tool } of stepTools) tools.set(step_id, [...(tools.get(step_id) ?? []), tool]);
  return rows.map(({ id, ...row }) => ({ ...row, tools: tools.get(id) ?? [] }));
}

/**
 * Reads, at once: the models of the runs the events name and of the runs of their steps' stored rows (a delta names no
 * run), and the steps of the runs their run events name (found in the log by its run index), which move when a run's
 * model changes: their rows are then read by key, a round trip only for a batch that changes a model. A fold that
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
  const named = [...new Set([...runIds, ...runEvents])];
  const [models, steps] = await Promise.all([
    selectByKeysTogether<{ id: string; model: string | null }>(tx, [[SELECT_MODEL, "id", named], [MODEL_OF_STEP, "s.id", [...stepIds]]]),
    stepsOfRuns(tx, [...runEvents]),
  ]);
  const values = new Map(models.map((r) => [r.id, r.model]));
  return { models: { values, of: new Set([...named, ...values.keys()]) }, stepsOfRuns: { of: runEvents, stepIds: steps } };
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
  const { of, stepIds } = loaded.stepsOfRuns;
  const found = runIds.every((runId) => of.has(runId)) ? stepIds : await stepsOfRuns(tx, runIds);
  return storedSteps(tx, found.filter((id) => !changes.steps.has(id)));
}
