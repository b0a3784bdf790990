import type { LogEvent, RunEvent, StepEvent } from "../../records/events.js";
import { stepEventPagesUpTo, stepsOfRuns } from "../../store/readEvents.js";
import { insertRows, rowsInsert } from "../../store/sqlBatch.js";
import type { SqlPort, SqlValue } from "../../store/sqlPort.js";
import { deleteAllSql, insertOf, upsertOf } from "../../store/sqlText.js";
import { stepFacts, type BatchChanges } from "../changes.js";
import type { Projection } from "../projection.js";
import { isTerminalStep } from "../../records/statuses.js";
import { terminalTimestamp } from "./compare.js";
import { evolveStep, initialStepState, isUnsized, renderRunStep, stepRunId, type StepFoldState } from "./evolve.js";
import { identities } from "./identities.js";
import { runStepValues, toolsOf, type RunStepRow } from "./row.js";
import { evolveRunExpiry, type RunExpiryState } from "./runExpiry.js";
import { loadExpiries, loadExpiriesOfSteps, loadSteps, saveExpiries, saveSteps, type LoadedStep } from "./storedState.js";
import { idsNamed, readAhead, valuesOf, type ReadAhead } from "../readAhead.js";
import { runExpiries, runStepFolds, runSteps, runStepTools } from "./tables.js";
import { PROJECTION_NAMES } from "../behind.js";

const saveRow = rowsInsert(upsertOf(runSteps));
const insertTool = rowsInsert({ sql: insertOf(runStepTools, ["stepId", "tool"]) });

/** The batch's events by the step they reach, in log order, and the expiries it gave runs (saved). */
interface StepsReached {
  byStep: Map<string, StepEvent[]>;
  expired: Map<string, RunExpiryState>;
}

/**
 * The batch's events by the step they reach; a run's expiry is folded into `run_expiries` here and
 * reaches every step of the run (with no event of its own: it renders again).
 */
async function eventsByStep(tx: SqlPort, events: readonly LogEvent[], ahead: RunStepsAhead | undefined): Promise<StepsReached> {
  const byStep = new Map<string, StepEvent[]>();
  const expiries: RunEvent[] = [];
  for (const event of events) {
    const identity = identities(event);
    if (identity === null) continue;
    if ("step" in identity) {
      const list = byStep.get(identity.step);
      if (list) list.push(identity.event);
      else byStep.set(identity.step, [identity.event]);
    } else expiries.push(identity.event);
  }
  const expired = new Map<string, RunExpiryState>();
  if (expiries.length === 0) return { byStep, expired };
  const expiredRuns = [...new Set(expiries.map((e) => e.payload.id))];
  const known = await valuesOf(ahead?.expiries, expiredRuns, (runIds) => loadExpiries(tx, runIds));
  for (const event of expiries) expired.set(event.payload.id, evolveRunExpiry(expired.get(event.payload.id) ?? known.get(event.payload.id) ?? null, event));
  await saveExpiries(tx, [...expired.values()]);
  for (const stepId of await stepsOfRuns(tx, expiredRuns)) if (!byStep.has(stepId)) byStep.set(stepId, []);
  return { byStep, expired };
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
  return foldedFromLog(tx, state.stepId, upTo);
}

/** Events a step is folded again from at a time (its log has no bound). */
const REFOLD_PAGE_EVENTS = 500;

/** A step folded again from its events in the log, up to this batch's. */
async function foldedFromLog(tx: SqlPort, stepId: string, upTo: number): Promise<StepFoldState> {
  let state = initialStepState(stepId);
  for await (const page of stepEventPagesUpTo(tx, stepId, upTo, REFOLD_PAGE_EVENTS)) {
    for (const event of page) if (event.kind === "step" || event.kind === "stepDelta") state = evolveStep(state, event);
  }
  return state;
}

/** Only the tools that changed are written: most events leave a step's tools as they were, and a write that changes nothing still costs its index page. */
async function writeTools(tx: SqlPort, rendered: readonly { row: RunStepRow; before: LoadedStep["row"] }[]): Promise<void> {
  const added: SqlValue[][] = [];
  for (const { row, before } of rendered) {
    const tools = toolsOf(row);
    const stored = before?.tools ?? [];
    for (const tool of stored) if (!tools.includes(tool)) await tx.write("DELETE FROM run_step_tools WHERE step_id = ? AND tool = ?", [row.id, tool]);
    for (const tool of tools) if (!stored.includes(tool)) added.push([row.id, tool]);
  }
  await insertRows(tx, insertTool, added);
}

/**
 * Folds each step's new events onto its stored state, keeps the states, and writes the rows and tools:
 * each kind of read and write once for all the batch's steps (a round trip per chunk on PostgreSQL).
 */
async function updateSteps(tx: SqlPort, { byStep, expired }: StepsReached, upTo: number, changes: BatchChanges, ahead: RunStepsAhead | undefined): Promise<void> {
  const loaded = await valuesOf(ahead?.steps, [...byStep.keys()], (stepIds) => loadSteps(tx, stepIds));
  const folded: { loaded: LoadedStep; state: StepFoldState; changed: boolean }[] = [];
  for (const [stepId, stepEvents] of byStep) {
    const step = loaded.get(stepId)!;
    const state = step.state.terminal && !step.folded
      ? await evolveFromRow(tx, step.state, stepEvents, upTo)
      : isUnsized(step.state) ? await foldedFromLog(tx, stepId, upTo) : stepEvents.reduce(evolveStep, step.state);
    folded.push({ loaded: step, state, changed: stepEvents.length > 0 });
  }
  await saveSteps(tx, folded.filter((f) => f.changed));
  const expiries = await valuesOf(ahead?.expiries, [...new Set(folded.flatMap(({ state }) => stepRunId(state) ?? []))], (runIds) => loadExpiries(tx, runIds));
  // The batch's own expiries: saved after the read ahead.
  for (const [runId, expiry] of expired) expiries.set(runId, expiry);
  const rendered: { row: RunStepRow; before: LoadedStep["row"]; values: typeof runSteps.$inferInsert }[] = [];
  for (const { loaded: step, state } of folded) {
    const runId = stepRunId(state);
    const render = renderRunStep(state, runId ? (expiries.get(runId) ?? null) : null);
    if (render) rendered.push({ row: render.row, before: step.row, values: runStepValues(render.row, render.position) });
  }
  await insertRows(tx, saveRow, rendered.map((r) => saveRow.values(r.values)));
  await writeTools(tx, rendered);
  // The rollups move each step from what its row counted to what it counts now.
  for (const { row, before, values } of rendered) changes.steps.set(row.id, { before, after: stepFacts(values, toolsOf(row)) });
}

/** What updateSteps reads: the batch's steps, and the expiries of the runs they are in (by its events, or by the steps' stored rows). */
interface RunStepsAhead {
  steps: ReadAhead<LoadedStep>;
  expiries: ReadAhead<RunExpiryState>;
}

/** The run-step projection: `run_steps` and `run_step_tools`, with the fold state and run expiries they are rendered from. */
export const runStepsProjection: Projection<RunStepsAhead> = {
  name: PROJECTION_NAMES.runSteps,
  readAhead(tx, events) {
    const { stepIds, runIds } = idsNamed(events);
    const steps = loadSteps(tx, stepIds);
    const expiries = Promise.all([loadExpiries(tx, runIds), loadExpiriesOfSteps(tx, stepIds), steps]).then(([named, ofRows, loaded]) => {
      const asked = new Set(runIds);
      for (const step of loaded.values()) if (step.row?.runId) asked.add(step.row.runId);
      return { asked, values: new Map([...named, ...ofRows]) };
    });
    return { steps: readAhead(steps.then((values) => ({ asked: new Set(stepIds), values }))), expiries: readAhead(expiries) };
  },
  async apply(tx, events, changes, ahead) {
    const upTo = events.length > 0 ? events[events.length - 1]!.position : 0;
    await updateSteps(tx, await eventsByStep(tx, events, ahead), upTo, changes, ahead);
  },
  async truncate(tx) {
    for (const table of [runSteps, runStepTools, runStepFolds, runExpiries]) await tx.run(deleteAllSql(table));
  },
};
