/** The report dimensions (CONTRACT §7), each summarized in `step_summaries`. */
export const DIMENSIONS = ["assistant", "day", "hour", "model", "type", "tool", "error"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
/** The summaries' dimensions: the report dimensions and `all` (key 'all'), every step once, a report's overall row. */
export type SummaryDimension = Dimension | "all";
export const SUMMARY_DIMENSIONS: readonly SummaryDimension[] = [...DIMENSIONS, "all"];

/** The `model` dimension's key of a run no snapshot names a model for (CONTRACT §6). */
export const UNKNOWN_MODEL = "(unknown)";
/** The `model` dimension's key as SQL, of a run's `model` column (or null): the one rule every reader of models uses. */
export const modelKeySql = (model: string) => `coalesce(${model}, '${UNKNOWN_MODEL}')`;
