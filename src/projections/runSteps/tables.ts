import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The run-step projection (CONTRACT §6): each row is exactly the API's RunStep, plus derived columns. */
export const runSteps = sqliteTable(
  "run_steps",
  {
    id: text("id").primaryKey(),
    object: text("object"),
    createdAt: integer("created_at"),
    assistantId: text("assistant_id"),
    threadId: text("thread_id"),
    runId: text("run_id"),
    type: text("type"),
    status: text("status"),
    stepDetails: text("step_details"),
    lastError: text("last_error"),
    expiredAt: integer("expired_at"),
    cancelledAt: integer("cancelled_at"),
    failedAt: integer("failed_at"),
    completedAt: integer("completed_at"),
    metadata: text("metadata"),
    usage: text("usage"),
    lastErrorCode: text("last_error_code"),
    promptTokens: integer("prompt_tokens"),
    completionTokens: integer("completion_tokens"),
    totalTokens: integer("total_tokens"),
    completionSeconds: integer("completion_seconds"),
    data: text("data"),
    position: integer("position"),
  },
  (t) => [
    // Led by the run: a run's steps in order (its thread too, as the API asks), and the steps a run's new model moves.
    index("run_steps_run_order").on(t.runId, t.threadId, t.createdAt, t.id),
    index("run_steps_order").on(t.createdAt, t.id),
    // Led by status, ordered by time: the console's recent failures read one page of it.
    index("run_steps_status").on(t.status, t.createdAt, t.id),
    index("run_steps_position").on(t.position),
    // Covers every column the analytics views read, so a report scans this index instead of the wide
    // rows; led by assistant_id, it also serves lookups by assistant.
    index("run_steps_stats").on(t.assistantId, t.createdAt, t.type, t.status, t.completionSeconds, t.lastErrorCode,
      t.promptTokens, t.completionTokens, t.totalTokens, t.id),
  ],
);

export const runStepTools = sqliteTable(
  "run_step_tools",
  { stepId: text("step_id").notNull(), tool: text("tool").notNull() },
  (t) => [primaryKey({ columns: [t.stepId, t.tool] }), index("run_step_tools_tool").on(t.tool)],
);

/** Internal: each step's fold state, so an append folds only its new events. */
export const runStepFolds = sqliteTable(
  "run_step_folds",
  { stepId: text("step_id").primaryKey(), state: text("state").notNull() },
);

/** Internal: what is known of each expired run (CONTRACT §5 rule 4), which every step of the run shows. */
export const runExpiries = sqliteTable("run_expiries", {
  runId: text("run_id").primaryKey(),
  expiresAt: integer("expires_at"),
  envelopeCreatedAt: integer("envelope_created_at"),
  position: integer("position").notNull(),
});
