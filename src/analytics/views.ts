import { sql } from "drizzle-orm";
import { integer, real, sqliteView, text } from "drizzle-orm/sqlite-core";
import { VIEW_NAMES, viewSelect } from "./metrics.js";

/** Analytics views (CONTRACT §6–§7): one per dimension, their SELECT written once in metrics.ts (a dimension's summaries). */
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
export const statsByAssistant = sqliteView(VIEW_NAMES.assistant, { assistantId: text("assistant_id"), ...metricColumns() }).as(sql.raw(viewSelect("sqlite", "assistant")));
export const statsByDay = sqliteView(VIEW_NAMES.day, { day: text("day"), ...metricColumns() }).as(sql.raw(viewSelect("sqlite", "day")));
export const statsByHour = sqliteView(VIEW_NAMES.hour, { hour: text("hour"), ...metricColumns() }).as(sql.raw(viewSelect("sqlite", "hour")));
export const statsByModel = sqliteView(VIEW_NAMES.model, { model: text("model"), ...metricColumns() }).as(sql.raw(viewSelect("sqlite", "model")));
export const statsByType = sqliteView(VIEW_NAMES.type, { type: text("type"), ...metricColumns() }).as(sql.raw(viewSelect("sqlite", "type")));
export const statsByTool = sqliteView(VIEW_NAMES.tool, { tool: text("tool"), ...metricColumns() }).as(sql.raw(viewSelect("sqlite", "tool")));
export const statsByError = sqliteView(VIEW_NAMES.error, { errorCode: text("error_code"), ...metricColumns() }).as(sql.raw(viewSelect("sqlite", "error")));
