import type { runSteps } from "./runSteps/tables.js";

/** What the step rollups count of a `run_steps` row: its keys, status, timing and tokens, and the tools it used. */
export type StepFacts = Pick<
  typeof runSteps.$inferSelect,
  "runId" | "createdAt" | "assistantId" | "type" | "status" | "lastErrorCode" | "completionSeconds" | "promptTokens" | "completionTokens" | "totalTokens"
> & { tools: readonly string[] };

/**
 * What one batch changed that a later projection of the same batch builds on: each step's row before and after
 * (null: none), and each run whose model changed, with its model before (null: no run snapshot named one).
 * The projections that know the old rows record them, so the rollups need not read them again.
 */
export interface BatchChanges {
  steps: Map<string, { before: StepFacts | null; after: StepFacts | null }>;
  runModels: Map<string, { before: string | null }>;
}

export const newBatchChanges = (): BatchChanges => ({ steps: new Map(), runModels: new Map() });
