import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

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

/** Last log position each projection has folded. */
export const checkpoints = sqliteTable("checkpoints", {
  name: text("name").primaryKey(),
  position: integer("position").notNull(),
});
