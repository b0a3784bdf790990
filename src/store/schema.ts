import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, sqliteView, text } from "drizzle-orm/sqlite-core";
import { VIEW_NAMES, viewSelect } from "../analytics/metrics.js";

/** The log (CONTRACT §4): every accepted record, once, in arrival order. */
export const events = sqliteTable(
  "events",
  {
    position: integer("position").primaryKey(),
    eventKey: text("event_key").notNull().unique(),
    type: text("type").notNull(),
    stepId: text("step_id"),
    runId: text("run_id"),
    threadId: text("thread_id"),
    source: text("source").notNull(),
    origin: text("origin").notNull(),
    receivedAt: text("received_at").notNull(),
    data: text("data").notNull(),
  },
  (t) => [index("events_step_position").on(t.stepId, t.position), index("events_run_position").on(t.runId, t.position)],
);

/** Records that failed validation, verbatim, with why and where. */
export const rejections = sqliteTable("rejections", {
  id: integer("id").primaryKey(),
  receivedAt: text("received_at").notNull(),
  source: text("source").notNull(),
  origin: text("origin").notNull(),
  reason: text("reason").notNull(),
  path: text("path"),
  raw: text("raw").notNull(),
});

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
    index("run_steps_run_order").on(t.threadId, t.runId, t.createdAt, t.id),
    index("run_steps_order").on(t.createdAt, t.id),
    index("run_steps_status").on(t.status),
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

/** Each run's winning snapshot. */
export const runs = sqliteTable(
  "runs",
  {
    id: text("id").primaryKey(),
    threadId: text("thread_id"),
    assistantId: text("assistant_id"),
    status: text("status"),
    model: text("model"),
    createdAt: integer("created_at"),
    startedAt: integer("started_at"),
    expiresAt: integer("expires_at"),
    completedAt: integer("completed_at"),
    failedAt: integer("failed_at"),
    cancelledAt: integer("cancelled_at"),
    data: text("data"),
  },
  (t) => [index("runs_thread").on(t.threadId), index("runs_status").on(t.status)],
);

/** Last log position each projection has folded. */
export const checkpoints = sqliteTable("checkpoints", {
  name: text("name").primaryKey(),
  position: integer("position").notNull(),
});

/** Internal: each step's fold state, so an append folds only its new events. */
export const runStepFolds = sqliteTable(
  "run_step_folds",
  { stepId: text("step_id").primaryKey(), state: text("state").notNull() },
);

/** Internal: what is known of each expired run (CONTRACT §5 rule 4). */
export const runExpiries = sqliteTable("run_expiries", {
  runId: text("run_id").primaryKey(),
  expiresAt: integer("expires_at"),
  envelopeCreatedAt: integer("envelope_created_at"),
  position: integer("position").notNull(),
});

/** Analytics views (CONTRACT §6–§7): one per dimension, their SELECT written once in src/analytics/metrics.ts. */
const metricColumns = () => ({
  steps: integer("steps"),
  completed: integer("completed"),
  failed: integer("failed"),
  cancelled: integer("cancelled"),
  expired: integer("expired"),
  inProgress: integer("in_progress"),
  failureRate: real("failure_rate"),
  avgCompletionSeconds: real("avg_completion_seconds"),
  p50CompletionSeconds: integer("p50_completion_seconds"),
  p95CompletionSeconds: integer("p95_completion_seconds"),
  promptTokens: integer("prompt_tokens"),
  completionTokens: integer("completion_tokens"),
  totalTokens: integer("total_tokens"),
});
export const statsByAssistant = sqliteView(VIEW_NAMES.assistant, { assistantId: text("assistant_id"), ...metricColumns() }).as(sql.raw(viewSelect("assistant")));
export const statsByDay = sqliteView(VIEW_NAMES.day, { day: text("day"), ...metricColumns() }).as(sql.raw(viewSelect("day")));
export const statsByType = sqliteView(VIEW_NAMES.type, { type: text("type"), ...metricColumns() }).as(sql.raw(viewSelect("type")));
export const statsByTool = sqliteView(VIEW_NAMES.tool, { tool: text("tool"), ...metricColumns() }).as(sql.raw(viewSelect("tool")));
export const statsByError = sqliteView(VIEW_NAMES.error, { errorCode: text("error_code"), ...metricColumns() }).as(sql.raw(viewSelect("error")));
