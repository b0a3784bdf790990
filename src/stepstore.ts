import type { Database } from "better-sqlite3";
import { createProjections } from "./projections/index.js";
import { createAppender } from "./store/append.js";
import { openDatabase, type OpenOptions } from "./store/open.js";

/** The log's appender with every projection wired to it, on a connection already open. */
export function wireProjections(sqlite: Database) {
  const projections = createProjections(sqlite);
  const append = createAppender(sqlite, {
    names: projections.map((p) => p.name),
    apply: (events) => {
      for (const projection of projections) projection.apply(events);
    },
  });
  return { projections, append };
}

/** A database with the log and every projection wired: what commands and the service open. */
export function openStepstore(path: string, options: OpenOptions = {}) {
  const database = openDatabase(path, options);
  return { ...database, ...wireProjections(database.sqlite) };
}

export type Stepstore = ReturnType<typeof openStepstore>;
