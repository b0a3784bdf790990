import type { Database } from "better-sqlite3";
import type { LogEvent } from "../store/logEvent.js";
import { createRunStepsTable } from "./runSteps/table.js";
import { createRunsTable } from "./runs/table.js";

export interface Projection {
  name: string;
  apply(events: readonly LogEvent[]): void;
  truncate(): void;
}

/** Every projection the store keeps current, in the order they are applied. */
export function createProjections(sqlite: Database): Projection[] {
  return [createRunStepsTable(sqlite), createRunsTable(sqlite)];
}
