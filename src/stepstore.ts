import { createProjections } from "./projections/index.js";
import { createAppender } from "./store/append.js";
import { openDatabase, type OpenOptions } from "./store/open.js";

/** A database with the log and every projection wired: what commands and the service open. */
export function openStepstore(path: string, options: OpenOptions = {}) {
  const database = openDatabase(path, options);
  const projections = createProjections(database.sqlite);
  const append = createAppender(database.sqlite, {
    names: projections.map((p) => p.name),
    apply: (events) => {
      for (const projection of projections) projection.apply(events);
    },
  });
  return { ...database, projections, append };
}

export type Stepstore = ReturnType<typeof openStepstore>;
