import type { LogEvent } from "../store/logEvent.js";
import { evolveRun } from "./runs/evolve.js";
import { runColumns } from "./runs/table.js";
import {
  evolveRunExpiry, evolveStep, initialStepState, isRunExpiryEvent, isStepDeltaEvent, isStepSnapshotEvent, renderRunStep,
  type RunExpiryState, type StepFoldState,
} from "./runSteps/evolve.js";
import { toolsOf } from "./runSteps/runStep.js";
import { runStepColumns, type RunStepColumns } from "./runSteps/table.js";

type JsonObject = Record<string, unknown>;

/** Every projection's rows, folded in memory from events in log order: what `verify` and `rebuild` must agree on. */
export interface FoldedTables {
  runSteps: Map<string, RunStepColumns>;
  runStepTools: Set<string>;
  runs: Map<string, ReturnType<typeof runColumns>>;
}

export function foldLog(events: Iterable<LogEvent>): FoldedTables {
  const steps = new Map<string, StepFoldState>();
  const expiries = new Map<string, RunExpiryState>();
  const runs = new Map<string, JsonObject>();
  for (const event of events) {
    if (isRunExpiryEvent(event)) {
      const runId = event.payload.id as string;
      expiries.set(runId, evolveRunExpiry(expiries.get(runId) ?? null, { ...event, runId }));
    }
    if (isStepSnapshotEvent(event) || isStepDeltaEvent(event)) {
      const stepId = event.payload.id as string;
      steps.set(stepId, evolveStep(steps.get(stepId) ?? initialStepState(stepId), event));
    }
    const run = evolveRun(runs.get(event.payload.id as string) ?? null, event);
    if (run) runs.set(run.id as string, run);
  }
  const tables: FoldedTables = { runSteps: new Map(), runStepTools: new Set(), runs: new Map() };
  for (const state of steps.values()) {
    const rendered = renderRunStep(state, state.runId ? (expiries.get(state.runId) ?? null) : null);
    if (!rendered) continue;
    tables.runSteps.set(state.stepId, runStepColumns(rendered.row, rendered.position));
    for (const tool of toolsOf(rendered.row)) tables.runStepTools.add(JSON.stringify([state.stepId, tool]));
  }
  for (const [id, run] of runs) tables.runs.set(id, runColumns(run));
  return tables;
}
