/**
 * Every table and view, each declared once in the folder that owns it: what drizzle-kit generates
 * migrations from, and what a second dialect's store derives its tables from.
 */
export { checkpoints, events, rejections } from "./store/tables.js";
export { runExpiries, runStepFolds, runSteps, runStepTools } from "./projections/runSteps/tables.js";
export { runs } from "./projections/runs/tables.js";
export { assistants } from "./projections/assistants/tables.js";
export { statsByAssistant, statsByDay, statsByError, statsByHour, statsByModel, statsByTool, statsByType } from "./analytics/views.js";
export { stepSummaries, stepSummarySeconds } from "./projections/stepStats/tables.js";
