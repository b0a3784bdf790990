import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Each run's winning snapshot. */
export const runs = sqliteTable(
  "runs",
  {
    // CONTRACT §6's order, a line per kind: ids, what lists filter on, the snapshot's timestamps.
    id: text("id").primaryKey(), threadId: text("thread_id"), assistantId: text("assistant_id"),
    status: text("status"), model: text("model"),
    createdAt: integer("created_at"), startedAt: integer("started_at"), expiresAt: integer("expires_at"),
    completedAt: integer("completed_at"), failedAt: integer("failed_at"), cancelledAt: integer("cancelled_at"),
    data: text("data"),
  },
  // runs_order: the console's runs list, newest first, one page at a time (keyset on created_at, id).
  (t) => [index("runs_thread").on(t.threadId), index("runs_status").on(t.status), index("runs_order").on(t.createdAt, t.id)],
);
