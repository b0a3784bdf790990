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
  // By tool set: the writer drops a set's tools when no cell names it any more (writer.ts), a look-up per set.
  (t) => [index("step_rollups_hour").on(t.hour), index("step_rollups_assistant").on(t.assistantId), index("step_rollups_tool_set").on(t.toolSet)],
);

/** What names a per-key row: its cell (the key as one text value), the dimension and the key (null: a step without one). */
const perKey = () => ({
  cell: text("cell").primaryKey(),
  dimension: text("dimension").notNull(),
  key: text("key"),
});

/**
 * Each report row ready to read (issue 15): per dimension and key (`all` for the whole, each step once), the steps by
 * status, the completed steps with a completion time and their seconds, the token sums, and the nearest-rank
 * percentiles the writer recomputes from `step_seconds` whenever the key's steps change. What a report with no filter
 * reads: a row a key (the fine grain is nearly a row a step on the bench world, where hours × assistants outnumber the
 * steps, and a histogram per key is as many rows again for `hour`). A tool key counts each step once per tool.
 */
export const stepSummaries = sqliteTable(
  "step_summaries",
  {
    ...perKey(),
    steps: integer("steps").notNull(),
    completed: integer("completed").notNull(),
    failed: integer("failed").notNull(),
    cancelled: integer("cancelled").notNull(),
    expired: integer("expired").notNull(),
    inProgress: integer("in_progress").notNull(),
    /** Completed steps with a completion time, and the sum of those times: the mean's terms. */
    timedSteps: integer("timed_steps").notNull(),
    timedSeconds: integer("timed_seconds").notNull(),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    totalTokens: integer("total_tokens").notNull(),
    p50CompletionSeconds: integer("p50_completion_seconds"),
    p95CompletionSeconds: integer("p95_completion_seconds"),
  },
  (t) => [index("step_summaries_dimension").on(t.dimension, t.key)],
);

/** The completion-time histogram of each summary: its completed steps per whole second, whence its percentiles. */
export const stepSeconds = sqliteTable(
  "step_seconds",
  {
    cell: text("cell").primaryKey(),
    /** The `step_summaries` cell this second counts in. */
    summary: text("summary").notNull(),
    seconds: integer("seconds").notNull(),
    steps: integer("steps").notNull(),
  },
  (t) => [index("step_seconds_summary").on(t.summary, t.seconds, t.steps)],
);

/**
 * The steps and tokens per (dimension, key, model), for `cost_usd` (priced per model at read time) beside `step_summaries`.
 * The steps count keeps a cell while its steps have no tokens yet: a key with a priced step costs 0, not NULL (CONTRACT §7).
 */
export const stepCosts = sqliteTable(
  "step_costs",
  {
    ...perKey(),
    model: text("model").notNull(),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    // Last, where the migration added it.
    steps: integer("steps").notNull().default(0),
  },
  (t) => [index("step_costs_dimension").on(t.dimension, t.key, t.model, t.promptTokens, t.completionTokens)],
);

/**
 * Each tool set's tools: the tool dimension counts a step once per tool by joining this small table. Exactly the sets
 * `step_rollups` names: a set's rows go with its last cell (writer.ts), as a rebuild would leave them; verify compares it.
 */
export const stepRollupTools = sqliteTable(
  "step_rollup_tools",
  { toolSet: text("tool_set").notNull(), tool: text("tool").notNull() },
  (t) => [primaryKey({ columns: [t.toolSet, t.tool] })],
);
