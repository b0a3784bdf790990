import type { LogEvent, StepEvent } from "../../records/events.js";
import { stepEventsUpTo, stepsOfRun } from "../../store/readEvents.js";
import type { SqlPort } from "../../store/sqlPort.js";
import { deleteAllSql, upsertOf } from "../../store/sqlText.js";
import type { BatchChanges, StepFacts } from "../changes.js";
import type { Projection } from "../projection.js";
import { isTerminalStep, terminalTimestamp } from "./compare.js";
import { evolveStep, initialStepState, renderRunStep, type StepFoldState } from "./evolve.js";
import { identities } from "./identities.js";
import { runStepValues, toolsOf } from "./row.js";
import { evolveRunExpiry } from "./runExpiry.js";
import { loadExpiry, loadStep, saveExpiryState, saveStep } from "./storedState.js";
import { runExpiries, runStepFolds, runSteps, runStepTools } from "./tables.js";

const saveRow = upsertOf(runSteps);

/**
 * The batch's events by the step they reach, in log order; a run's expiry is folded into
 * `run_expiries` here and reaches every step of the run (with no event of its own: it renders again).
 */
async function eventsByStep(tx: SqlPort, events: readonly LogEvent[]): Promise<Map<string, StepEvent[]>> {
  const byStep = new Map<string, StepEvent[]>();
  const expiredRuns = new Set<string>();
  for (const event of events) {
    const identity = identities(event);
    if (identity === null) continue;
    if ("step" in identity) {
      const list = byStep.get(identity.step);
      if (list) list.push(identity.event);
      else byStep.set(identity.step, [identity.event]);
    } else {
      const saved = (await loadExpiry(tx, identity.expiredRun)) ?? null;
      await saveExpiryState(tx, evolveRunExpiry(saved, identity.event));
      expiredRuns.add(identity.expiredRun);
    }
  }
  for (const runId of expiredRuns) {
    for (const stepId of await stepsOfRun(tx, runId)) if (!byStep.has(stepId)) byStep.set(stepId, []);
  }
  return byStep;
}

/**
 * A terminal step's row is its winning snapshot with the keys it left out filled in, which is
 * enough to weigh a newcomer by its terminal timestamp but not on a tie (canonical JSON compares
 * the snapshots as received): then the step is folded again from the log, up to this batch.
 */
async function evolveFromRow(tx: SqlPort, state: StepFoldState, stepEvents: readonly StepEvent[], upTo: number): Promise<StepFoldState> {
  const terminal = terminalTimestamp(state.terminal!);
  const tie = (event: StepEvent) => event.kind === "step" && isTerminalStep(event.payload.status) && terminalTimestamp(event.payload) === terminal;
  if (!stepEvents.some(tie)) return stepEvents.reduce(evolveStep, state);
  const all = (await stepEventsUpTo(tx, state.stepId, upTo)).flatMap((e) => (e.kind === "step" || e.kind === "stepDelta" ? [e] : []));
  return all.reduce(evolveStep, initialStepState(state.stepId));
}

/** Only the tools that changed are written: most events leave a step's tools as they were, and a write that changes nothing still costs its index page. */
async function writeTools(tx: SqlPort, stepId: string, tools: readonly string[], fresh: boolean): Promise<string[]> {
  const stored = fresh ? [] : (await tx.all<{ tool: string }>("SELECT tool FROM run_step_tools WHERE step_id = ?", [stepId])).map((r) => r.tool);
  for (const tool of stored) if (!tools.includes(tool)) await tx.run("DELETE FROM run_step_tools WHERE step_id = ? AND tool = ?", [stepId, tool]);
  for (const tool of tools) if (!stored.includes(tool)) await tx.run("INSERT INTO run_step_tools (step_id, tool) VALUES (?, ?)", [stepId, tool]);
  return stored;
}

/** What the rollups count of a row's columns. */
function factsOf(values: typeof runSteps.$inferInsert, tools: readonly string[]): StepFacts {
  return {
    runId: values.runId ?? null, createdAt: values.createdAt ?? null, assistantId: values.assistantId ?? null, type: values.type ?? null,
    status: values.status ?? null, lastErrorCode: values.lastErrorCode ?? null, completionSeconds: values.completionSeconds ?? null,
    promptTokens: values.promptTokens ?? null, completionTokens: values.completionTokens ?? null, totalTokens: values.totalTokens ?? null, tools,
  };
}

/** Folds one step's new events onto its stored state, keeps the state, writes its row and tools, and records the row's change. */
async function updateStep(tx: SqlPort, stepId: string, stepEvents: readonly StepEvent[], upTo: number, changes: BatchChanges): Promise<void> {
  const loaded = await loadStep(tx, stepId);
  const state = loaded.state.terminal && !loaded.folded
    ? await evolveFromRow(tx, loaded.state, stepEvents, upTo)
    : stepEvents.reduce(evolveStep, loaded.state);
  if (stepEvents.length > 0) await saveStep(tx, loaded, state);
  const rendered = renderRunStep(state, state.runId ? ((await loadExpiry(tx, state.runId)) ?? null) : null);
  if (!rendered) return;
  const values = runStepValues(rendered.row, rendered.position);
  await tx.run(saveRow.sql, saveRow.values(values));
  const tools = toolsOf(rendered.row);
  const storedTools = await writeTools(tx, stepId, tools, loaded.fresh); // a step new to the tables has none
  changes.steps.set(stepId, { before: loaded.row && { ...loaded.row, tools: storedTools }, after: factsOf(values, tools) });
}

/** The run-step projection: `run_steps` and `run_step_tools`, with the fold state and run expiries they are rendered from. */
export const runStepsProjection: Projection = {
  name: "run_steps",
  async apply(tx, events, changes) {
    const upTo = events.length > 0 ? events[events.length - 1]!.position : 0;
    for (const [stepId, stepEvents] of await eventsByStep(tx, events)) await updateStep(tx, stepId, stepEvents, upTo, changes);
  },
  async truncate(tx) {
    for (const table of [runSteps, runStepTools, runStepFolds, runExpiries]) await tx.run(deleteAllSql(table));
  },
};
