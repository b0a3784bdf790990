import type { runSteps } from "./runSteps/tables.js";

/** What the step rollups count of a `run_steps` row: its keys, status, timing and tokens, and the tools it used. */
export type StepFacts = Pick<
  typeof runSteps.$inferSelect,
  "runId" | "createdAt" | "assistantId" | "type" | "status" | "lastErrorCode" | "completionSeconds" | "promptTokens" | "completionTokens" | "totalTokens"
> & { tools: readonly string[] };

/**
 * A step's facts in one shape, its keys in this order, whether from a rendered row or a stored one: the rollups'
 * per-step code then meets one hidden class (objects of three shapes made RollupDelta's adds deoptimize and recompile).
 */
export function stepFacts(row: { [K in Exclude<keyof StepFacts, "tools">]?: StepFacts[K] | undefined }, tools: readonly string[]): StepFacts {
  return {
    runId: row.runId ?? null, createdAt: row.createdAt ?? null, assistantId: row.assistantId ?? null, type: row.type ?? null,
    status: row.status ?? null, lastErrorCode: row.lastErrorCode ?? null, completionSeconds: row.completionSeconds ?? null,
    promptTokens: row.promptTokens ?? null, completionTokens: row.completionTokens ?? null, totalTokens: row.totalTokens ?? null, tools,
  };
}

/**
 * What one batch changed that a later projection of the same batch builds on: each step's row before and after
 * (null: none), and each run whose model changed, with its model before and after (null: no run snapshot named one).
 * The projections that know the old rows record them, so the rollups need not read them again.
 */
export interface BatchChanges {
  steps: Map<string, { before: StepFacts | null; after: StepFacts | null }>;
  runModels: Map<string, { before: string | null; after: string | null }>;
}

export const newBatchChanges = (): BatchChanges => ({ steps: new Map(), runModels: new Map() });
