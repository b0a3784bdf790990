import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** What every rollup cell sums: its steps and their tokens (the last columns of both grains). */
const stepSums = () => ({
  steps: integer("steps").notNull(),
  promptTokens: integer("prompt_tokens").notNull(),
  completionTokens: integer("completion_tokens").notNull(),
  totalTokens: integer("total_tokens").notNull(),
});

/**
 * The step rollups (issue 15): how many steps, and their token sums, per (hour of `created_at`, assistant, model, type,
 * tool set, status, error code, completion seconds). Exact: every §7 metric of any dimension, under any filter on these
 * keys, is a sum over these rows (percentiles from the per-second counts). `cell` is the key as one value, so the upsert
 * has one conflict target whatever key is null.
 */
export const stepRollups = sqliteTable(
  "step_rollups",
  {
    cell: text("cell").primaryKey(),
    /** `created_at` rounded down to its hour, in seconds: a UTC day is 24 of them, so day filters stay exact. */
    hour: integer("hour"),
    assistantId: text("assistant_id"),
    /** The run's model, `(unknown)` when no run snapshot named one (CONTRACT §6). */
    model: text("model").notNull(),
    type: text("type"),
    /** The step's distinct tools, sorted and joined by U+001F (`step_rollup_tools` lists them); '' for none. */
    toolSet: text("tool_set").notNull(),
    status: text("status"),
    errorCode: text("error_code"),
    seconds: integer("seconds"),
    ...stepSums(),
  },
  (t) => [index("step_rollups_hour").on(t.hour), index("step_rollups_assistant").on(t.assistantId)],
);

/**
 * The same counts per dimension alone: (dimension, its key, status, completion seconds), a tool once per tool. What a
 * report with no filter reads: a few rows a key, not a row a step (the fine grain is nearly one row a step on the bench
 * world, where hours × assistants outnumber the steps). Without the model, which would multiply its rows by the models.
 */
export const stepTotals = sqliteTable(
  "step_totals",
  {
    cell: text("cell").primaryKey(),
    dimension: text("dimension").notNull(),
    key: text("key"),
    status: text("status"),
    seconds: integer("seconds"),
    ...stepSums(),
  },
  (t) => [index("step_totals_dimension").on(t.dimension, t.key, t.status, t.seconds, t.steps, t.promptTokens, t.completionTokens, t.totalTokens)],
);

/** The tokens per (dimension, key, model), for `cost_usd` (priced per model at read time) beside `step_totals`. */
export const stepCosts = sqliteTable(
  "step_costs",
  {
    cell: text("cell").primaryKey(),
    dimension: text("dimension").notNull(),
    key: text("key"),
    model: text("model").notNull(),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
  },
  (t) => [index("step_costs_dimension").on(t.dimension, t.key, t.model, t.promptTokens, t.completionTokens)],
);

/** Each tool set's tools: the tool dimension counts a step once per tool by joining this small table. Only grows. */
export const stepRollupTools = sqliteTable(
  "step_rollup_tools",
  { toolSet: text("tool_set").notNull(), tool: text("tool").notNull() },
  (t) => [primaryKey({ columns: [t.toolSet, t.tool] })],
);
