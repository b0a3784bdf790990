import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Each assistant's winning snapshot (evolve.ts): what the report shows beside an assistant's id. */
export const assistants = sqliteTable("assistants", {
  id: text("id").primaryKey(),
  name: text("name"),
  model: text("model"),
  createdAt: integer("created_at"),
  data: text("data"),
});
