import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Each report row ready to read (issue 15): per dimension and key (`all` for the whole, each step once), the steps by
 * status, the completed steps with a completion time and their seconds, the token sums, the nearest-rank percentiles,
 * and what they and `cost_usd` come from: the histogram of completion seconds and the sums by model. The writer reads a
 * batch's touched rows, adds its changes and writes them back, one row a key (summary.ts). A tool key counts each step
 * once per tool. A finer grain (hour × assistant × model × type × tool set × status × error × seconds) was measured at
 * 999,501 rows for the bench world's 1,000,000 steps: no fewer rows than `run_steps`, so filtered reports read the steps.
 */
export const stepSummaries = sqliteTable(
  "step_summaries",
  {
    /** `[dimension, key]` as JSON: one conflict target whatever the key. */
    cell: text("cell").primaryKey(),
    dimension: text("dimension").notNull(),
    key: text("key"),
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
    /** The completion-time histogram, JSON `[[seconds, steps], …]` by second: the timed steps per whole second. */
    histogram: text("histogram").notNull().default("[]"),
    /**
     * The steps and tokens by model, JSON `[[model, steps, prompt_tokens, completion_tokens], …]` in code point order,
     * for `cost_usd` (priced at read time). A model's steps keep it while they have no tokens yet: a key with a priced
     * step costs 0, not NULL (CONTRACT §7).
     */
    models: text("models").notNull().default("[]"),
  },
  (t) => [index("step_summaries_dimension").on(t.dimension, t.key)],
);
