/**
 * The PostgreSQL schema, for drizzle-kit (drizzle.pg.config.ts) and the store: every table derived from
 * its SQLite declaration (pgTables.ts), the analytics views with their PostgreSQL SELECT. drizzle-kit
 * finds tables and views by this module's named exports.
 */
import { sql } from "drizzle-orm";
import { viewSelect } from "./analytics/metrics.js";
import * as sqlite from "./schema.js";
import { derivePgTables, derivePgView } from "./store/postgres/pgTables.js";

export const { events, rejections, runSteps, runStepTools, runs, assistants, checkpoints, runStepFolds, runExpiries, stepSummaries, stepSummarySeconds } = derivePgTables({
  events: sqlite.events,
  rejections: sqlite.rejections,
  runSteps: sqlite.runSteps,
  runStepTools: sqlite.runStepTools,
  runs: sqlite.runs,
  assistants: sqlite.assistants,
  checkpoints: sqlite.checkpoints,
  runStepFolds: sqlite.runStepFolds,
  runExpiries: sqlite.runExpiries,
  stepSummaries: sqlite.stepSummaries,
  stepSummarySeconds: sqlite.stepSummarySeconds,
});

export const statsByAssistant = derivePgView(sqlite.statsByAssistant, sql.raw(viewSelect("postgres", "assistant")));
export const statsByDay = derivePgView(sqlite.statsByDay, sql.raw(viewSelect("postgres", "day")));
export const statsByHour = derivePgView(sqlite.statsByHour, sql.raw(viewSelect("postgres", "hour")));
export const statsByModel = derivePgView(sqlite.statsByModel, sql.raw(viewSelect("postgres", "model")));
export const statsByType = derivePgView(sqlite.statsByType, sql.raw(viewSelect("postgres", "type")));
export const statsByTool = derivePgView(sqlite.statsByTool, sql.raw(viewSelect("postgres", "tool")));
export const statsByError = derivePgView(sqlite.statsByError, sql.raw(viewSelect("postgres", "error")));
