import { compareCodePoints } from "../../records/canonical.js";
import { eventFromRow, isRunExpiry } from "../../records/events.js";
import type { Assistant, Run } from "../../records/schemas.js";
import { indexedBy, inCodePointOrder, type RowSource } from "../../store/rowSource.js";
import { bySqlNames } from "../../store/sqlText.js";
import { evolveAssistant } from "../assistants/evolve.js";
import { assistants } from "../assistants/tables.js";
import { assistantValues } from "../assistants/writer.js";
import { evolveRun } from "../runs/evolve.js";
import { runs } from "../runs/tables.js";
import { runValues } from "../runs/writer.js";
import { comparableFold, evolveStep, initialStepState, renderRunStep, stepRunId, type StepFoldState } from "../runSteps/evolve.js";
import { identities } from "../runSteps/identities.js";
import { runStepValues, toolsOf } from "../runSteps/row.js";
import { evolveRunExpiry, type RunExpiryState } from "../runSteps/runExpiry.js";
import { runExpiries, runSteps } from "../runSteps/tables.js";

type EventRow = { position: number; type: string; data: string; id: string };

/**
 * The log's rows grouped by one id, read in (id, position) order through the index named, each group folded row by row
 * from `initial(id)` with `evolve`: one group's state in memory, never its rows (an audit's step of 50,000 deltas, 211 MB
 * of them, held at once had run `verify` out of a 300 MB heap). INDEXED BY, as the planner may otherwise sort the
 * whole log in a temp b-tree.
 */
async function* foldedGroups<S>(
  source: RowSource, sql: string, onEvent: () => Promise<void>, initial: (id: string) => S, evolve: (state: S, row: EventRow) => S,
): AsyncGenerator<{ id: string; state: S }> {
  let group: { id: string; state: S } | null = null;
  for await (const row of source.rows<EventRow>(sql)) {
    await onEvent();
    if (group && group.id !== row.id) yield group;
    if (!group || group.id !== row.id) group = { id: row.id, state: initial(row.id) };
    group.state = evolve(group.state, row);
  }
  if (group) yield group;
}

/** Runs whose expiry verify keeps at once: memory stays bounded whatever the log, and a run's steps mostly hit. */
const RUN_EXPIRIES_KEPT = 1024;

/**
 * What the log knows of one run's expiry (CONTRACT §5 rule 4), read from that run's own events by index. The read walks
 * every event of the run (its steps' included) to find the run's own: each run's answer is kept (the least recently
 * used dropped past RUN_EXPIRIES_KEPT), as reading it once a step made a run of 20,000 steps take minutes to verify.
 */
function runExpiryReader(source: RowSource): (runId: string) => Promise<RunExpiryState | null> {
  const sql = `SELECT position, type, data FROM events ${indexedBy(source.dialect, "events_run_position")} WHERE run_id = ? AND step_id IS NULL ORDER BY position`;
  const kept = new Map<string, RunExpiryState | null>();
  return async (runId) => {
    if (kept.has(runId)) {
      const expiry = kept.get(runId)!;
      kept.delete(runId); // re-inserted: a Map iterates in insertion order, so the first key is the least recently used
      kept.set(runId, expiry);
      return expiry;
    }
    let expiry: RunExpiryState | null = null;
    for (const row of await source.all<{ position: number; type: string; data: string }>(sql, [runId])) {
      const event = eventFromRow(row);
      if (isRunExpiry(event)) expiry = evolveRunExpiry(expiry, event);
    }
    if (kept.size >= RUN_EXPIRIES_KEPT) kept.delete(kept.keys().next().value!);
    kept.set(runId, expiry);
    return expiry;
  };
}

interface FoldedStep {
  id: string;
  /** The step's `run_steps` row, keyed by column name as the table reads; null when the log gives it none (deltas alone). */
  columns: (Record<string, unknown> & { id: string }) | null;
  /** The step's `run_step_tools`, in the table's order. */
  tools: string[];
  /** Its `run_step_folds` state, as the writer keeps it for a step not yet terminal; null for a terminal one (its row is its state). */
  fold: string | null;
}

/** Each step's row as the log folds it, in id order (as SQLite orders text), one step in memory at a time. */
export async function* foldedSteps(source: RowSource, onEvent: () => Promise<void>): AsyncGenerator<FoldedStep> {
  const expiryOf = runExpiryReader(source);
  const sql = `SELECT position, type, data, step_id AS id FROM events ${indexedBy(source.dialect, "events_step_position")}
    WHERE step_id IS NOT NULL ORDER BY ${inCodePointOrder(source.dialect, "step_id")}, position`;
  const evolve = (state: StepFoldState, row: EventRow) => {
    const identity = identities(eventFromRow(row));
    return identity && "step" in identity ? evolveStep(state, identity.event) : state;
  };
  for await (const { id, state } of foldedGroups(source, sql, onEvent, initialStepState, evolve)) {
    const runId = stepRunId(state);
    const rendered = renderRunStep(state, runId ? await expiryOf(runId) : null);
    const fold = state.terminal ? null : comparableFold(state);
    if (!rendered) {
      yield { id, columns: null, tools: [], fold };
      continue;
    }
    const columns = { ...bySqlNames(runSteps, runStepValues(rendered.row, rendered.position)), id: rendered.row.id };
    yield { id, columns, tools: toolsOf(rendered.row).sort(compareCodePoints), fold };
  }
}

type RowWithId = Record<string, unknown> & { id: string };

/** Each run's row as the log folds it, and its `run_expiries` row (CONTRACT §5 rule 4), in id order, one run in memory at a time. */
export async function* foldedRuns(source: RowSource, onEvent: () => Promise<void>): AsyncGenerator<{ id: string; run: RowWithId | null; expiry: Record<string, unknown> | null }> {
  const sql = `SELECT position, type, data, run_id AS id FROM events ${indexedBy(source.dialect, "events_run_position")}
    WHERE run_id IS NOT NULL AND step_id IS NULL ORDER BY ${inCodePointOrder(source.dialect, "run_id")}, position`;
  type RunFold = { run: Run | null; expiry: RunExpiryState | null };
  const evolve = ({ run, expiry }: RunFold, row: EventRow): RunFold => {
    const event = eventFromRow(row);
    return { run: evolveRun(run, event), expiry: isRunExpiry(event) ? evolveRunExpiry(expiry, event) : expiry };
  };
  for await (const { id, state: { run, expiry } } of foldedGroups<RunFold>(source, sql, onEvent, () => ({ run: null, expiry: null }), evolve)) {
    yield { id, run: run && { ...bySqlNames(runs, runValues(run)), id: run.id }, expiry: expiry && bySqlNames(runExpiries, expiry) };
  }
}

/**
 * Each assistant's row as the log folds it, in id order. Assistant records stand alone (no step, no run):
 * read in log order and folded by id, one snapshot per assistant in memory (assistants are few).
 */
export async function* foldedAssistants(source: RowSource, onEvent: () => Promise<void>): AsyncGenerator<Record<string, unknown> & { id: string }> {
  const folded = new Map<string, Assistant>();
  for await (const row of source.rows<EventRow>("SELECT position, type, data, '' AS id FROM events WHERE type = 'assistant' ORDER BY position")) {
    await onEvent();
    const event = eventFromRow(row);
    if (event.kind !== "assistant") continue;
    const winner = evolveAssistant(folded.get(event.payload.id) ?? null, event);
    if (winner) folded.set(event.payload.id, winner);
  }
  for (const id of [...folded.keys()].sort(compareCodePoints)) yield { ...bySqlNames(assistants, assistantValues(folded.get(id)!)), id };
}
