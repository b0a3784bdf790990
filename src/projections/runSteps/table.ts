import type { Database } from "better-sqlite3";
import type { LogEvent } from "../../store/logEvent.js";
import {
  evolveRunExpiry, evolveStep, initialStepState, isRunExpiryEvent, isStepDeltaEvent, isStepSnapshotEvent, renderRunStep,
  type RunExpiryState, type StepFoldState,
} from "./evolve.js";
import { upsertSql } from "../upsert.js";
import { isTerminalStep, terminalTimestamp, toolsOf, type RunStepRow } from "./runStep.js";
import { createStepEventsReader } from "../../store/readEvents.js";

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** The `run_steps` columns of a row: the RunStep itself plus the derived SQL conveniences. */
export function runStepColumns(row: RunStepRow, position: number) {
  const usage = row.usage as { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
  const lastError = row.last_error as { code?: unknown } | null;
  const completedAt = row.completed_at as number | null;
  const createdAt = row.created_at as number | null;
  return {
    id: row.id,
    object: row.object as string | null,
    created_at: createdAt,
    assistant_id: row.assistant_id as string | null,
    thread_id: row.thread_id as string | null,
    run_id: row.run_id,
    type: row.type,
    status: row.status,
    step_details: json(row.step_details),
    last_error: json(row.last_error),
    expired_at: row.expired_at as number | null,
    cancelled_at: row.cancelled_at as number | null,
    failed_at: row.failed_at as number | null,
    completed_at: completedAt,
    metadata: json(row.metadata),
    usage: json(row.usage),
    last_error_code: typeof lastError?.code === "string" ? lastError.code : null,
    prompt_tokens: usage?.prompt_tokens ?? null,
    completion_tokens: usage?.completion_tokens ?? null,
    total_tokens: usage?.total_tokens ?? null,
    completion_seconds: row.status === "completed" && completedAt !== null && createdAt !== null ? completedAt - createdAt : null,
    data: JSON.stringify(row),
    position,
  };
}

export type RunStepColumns = ReturnType<typeof runStepColumns>;

const RUN_STEP_COLUMNS = Object.keys(runStepColumns({ id: "", run_id: "", type: "", status: "" }, 0));

/**
 * The run-step projection's table writers: fold state in, rows out, inside the caller's transaction.
 * A step whose own snapshots made it terminal is its row (a terminal snapshot replaces the state
 * whole, and nothing but a larger terminal snapshot changes it), so `run_step_folds` keeps only
 * the steps still in progress (or known by deltas alone), and a terminal step's state is read back
 * from its `run_steps` row: most steps start and finish within one batch and write one row, not two.
 */
export function createRunStepsTable(sqlite: Database) {
  const loadState = sqlite.prepare<[string], { state: string }>("SELECT state FROM run_step_folds WHERE step_id = ?");
  const loadTerminal = sqlite.prepare<[string], { run_id: string; data: string; position: number }>(
    "SELECT run_id, data, position FROM run_steps WHERE id = ?",
  );
  const saveState = sqlite.prepare(
    "INSERT INTO run_step_folds (step_id, state) VALUES (?, ?) ON CONFLICT(step_id) DO UPDATE SET state = excluded.state",
  );
  const deleteState = sqlite.prepare("DELETE FROM run_step_folds WHERE step_id = ?");
  // The steps a run's expiry concerns: every step with a snapshot naming the run (deltas carry no run id).
  const stepsOfRun = sqlite.prepare<[string], { step_id: string }>(
    "SELECT DISTINCT step_id FROM events WHERE run_id = ? AND step_id IS NOT NULL",
  );
  const loadExpiry = sqlite.prepare<[string], RunExpiryState>(
    "SELECT run_id AS runId, expires_at AS expiresAt, envelope_created_at AS envelopeCreatedAt, position FROM run_expiries WHERE run_id = ?",
  );
  const saveExpiry = sqlite.prepare(
    "INSERT OR REPLACE INTO run_expiries (run_id, expires_at, envelope_created_at, position) VALUES (@runId, @expiresAt, @envelopeCreatedAt, @position)",
  );
  const writeRow = sqlite.prepare(upsertSql("run_steps", RUN_STEP_COLUMNS));
  const stepEventsUpTo = createStepEventsReader(sqlite);
  const toolsStored = sqlite.prepare<[string], string>("SELECT tool FROM run_step_tools WHERE step_id = ?").pluck();
  const deleteTool = sqlite.prepare("DELETE FROM run_step_tools WHERE step_id = ? AND tool = ?");
  const insertTool = sqlite.prepare("INSERT INTO run_step_tools (step_id, tool) VALUES (?, ?)");

  /** The step's fold state, whether it is stored in `run_step_folds`, and whether the step is new to the tables. */
  function load(stepId: string): { state: StepFoldState; folded: boolean; fresh: boolean } {
    const saved = loadState.get(stepId);
    if (saved) return { state: JSON.parse(saved.state) as StepFoldState, folded: true, fresh: false };
    const row = loadTerminal.get(stepId);
    if (!row) return { state: initialStepState(stepId), folded: false, fresh: true };
    // Its row's position may include its run's expiry: harmless, as rendering takes that maximum anyway.
    const state: StepFoldState = { ...initialStepState(stepId), runId: row.run_id, terminal: JSON.parse(row.data) as RunStepRow, position: row.position };
    return { state, folded: false, fresh: false };
  }

  /**
   * A terminal step's row is its winning snapshot with the keys it left out filled in, which is
   * enough to weigh a newcomer by its terminal timestamp but not on a tie (canonical JSON compares
   * the snapshots as received): then the step is folded again from the log, up to this batch.
   */
  function evolveFromRow(state: StepFoldState, stepEvents: readonly LogEvent[], upTo: number): StepFoldState {
    const tie = (event: LogEvent) =>
      isStepSnapshotEvent(event) && isTerminalStep(event.payload.status as string) && terminalTimestamp(event.payload) === terminalTimestamp(state.terminal!);
    if (stepEvents.some(tie)) return stepEventsUpTo(state.stepId, upTo).reduce(evolveStep, initialStepState(state.stepId));
    return stepEvents.reduce(evolveStep, state);
  }

  function apply(events: readonly LogEvent[]): void {
    const eventsByStep = new Map<string, LogEvent[]>();
    const expiredRuns = new Set<string>();
    for (const event of events) {
      if (isRunExpiryEvent(event)) {
        const runId = event.payload.id as string;
        const saved = loadExpiry.get(runId) ?? null;
        saveExpiry.run(evolveRunExpiry(saved, { ...event, runId }));
        expiredRuns.add(runId);
      } else if (isStepSnapshotEvent(event) || isStepDeltaEvent(event)) {
        const stepId = event.payload.id as string;
        const list = eventsByStep.get(stepId);
        if (list) list.push(event);
        else eventsByStep.set(stepId, [event]);
      }
    }
    for (const runId of expiredRuns) {
      for (const { step_id } of stepsOfRun.all(runId)) if (!eventsByStep.has(step_id)) eventsByStep.set(step_id, []);
    }
    const upTo = events.length > 0 ? events[events.length - 1]!.position : 0;
    for (const [stepId, stepEvents] of eventsByStep) {
      const { state: saved, folded, fresh } = load(stepId);
      const state = saved.terminal && !folded ? evolveFromRow(saved, stepEvents, upTo) : stepEvents.reduce(evolveStep, saved);
      if (stepEvents.length > 0) {
        if (!state.terminal) saveState.run(stepId, JSON.stringify(state));
        else if (folded) deleteState.run(stepId);
      }
      const rendered = renderRunStep(state, state.runId ? (loadExpiry.get(state.runId) ?? null) : null);
      if (rendered) write(rendered.row, rendered.position, fresh);
    }
  }

  function write(row: RunStepRow, position: number, fresh = false): void {
    writeRow.run(runStepColumns(row, position));
    // Only the tools that changed are written: most events leave a step's tools as they were,
    // and a write that changes nothing still costs its index page in the commit.
    const tools = toolsOf(row);
    const stored = fresh ? [] : toolsStored.all(row.id); // a step new to the tables has none
    for (const tool of stored) if (!tools.includes(tool)) deleteTool.run(row.id, tool);
    for (const tool of tools) if (!stored.includes(tool)) insertTool.run(row.id, tool);
  }

  function truncate(): void {
    sqlite.exec("DELETE FROM run_steps; DELETE FROM run_step_tools; DELETE FROM run_step_folds; DELETE FROM run_expiries;");
  }

  return { name: "run_steps", apply, truncate };
}
