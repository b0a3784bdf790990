import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Each report row ready to read (issue 15): per dimension and key (`all` for the whole, each step once), the steps by
 * status, the completed steps with a completion time and their seconds, the token sums, the nearest-rank percentiles,
 * and what `cost_usd` comes from: the sums by model (the histogram the percentiles are ranked over is kept in pages,
 * `step_summary_seconds`). The writer reads a batch's touched rows, adds its changes and writes them back, one row a
 * key (summary.ts). A tool key counts each step once per tool. A finer grain (hour × assistant × model × type × tool
 * set × status × error × seconds) was measured at 999,501 rows for the bench world's 1,000,000 steps: no fewer rows
 * than `run_steps`, so filtered reports read the steps.
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
    /**
     * The steps and tokens by model, JSON `[[model, steps, prompt_tokens, completion_tokens], …]` in code point order,
     * for `cost_usd` (priced at read time). A model's steps keep it while they have no tokens yet: a key with a priced
     * step costs 0, not NULL (CONTRACT §7).
     */
    models: text("models").notNull().default("[]"),
  },
  (t) => [index("step_summaries_dimension").on(t.dimension, t.key)],
);

/** The seconds a page of a histogram spans: `[page × PAGE_SECONDS, (page + 1) × PAGE_SECONDS)`. */
export const PAGE_SECONDS = 64;
/** The page a second is on (a negative second, from a step completed before it was made, on a negative page). */
export const pageOf = (seconds: number) => Math.floor(seconds / PAGE_SECONDS);
/** pageOf in SQL over an integer column, on either store (both divide integers toward zero: the remainder is taken off first). */
export const pageSql = (seconds: string) => `((${seconds} - ((${seconds} % ${PAGE_SECONDS}) + ${PAGE_SECONDS}) % ${PAGE_SECONDS}) / ${PAGE_SECONDS})`;

/**
 * Each summary's completion-time histogram (the timed steps per whole second), in pages of PAGE_SECONDS seconds, each
 * JSON `[[seconds, steps], …]` by second; no empty page. One text a summary was rewritten whole at each batch that
 * moved a second of it: with completion times spread over minutes, as real runs' are, that was a quarter of the
 * webhooks a second; a page is what a batch moves.
 */
export const stepSummarySeconds = sqliteTable(
  "step_summary_seconds",
  {
    cell: text("cell").notNull(),
    page: integer("page").notNull(),
    histogram: text("histogram").notNull(),
  },
  (t) => [primaryKey({ columns: [t.cell, t.page] })],
);
