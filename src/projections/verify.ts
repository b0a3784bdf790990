import type { Database } from "better-sqlite3";
import { readBatches } from "../store/readBatch.js";
import { foldLog } from "./fold.js";

function* allEvents(sqlite: Database) {
  for (const batch of readBatches(sqlite, 10_000)) yield* batch;
}

function differencesOf(table: string, expected: Map<string, object>, actual: Map<string, object>, limit: number): string[] {
  const found: string[] = [];
  for (const [id, row] of expected) {
    if (found.length >= limit) return found;
    const stored = actual.get(id);
    if (!stored) found.push(`${table} ${id}: missing from the table`);
    else {
      const columns = Object.keys(row).filter((c) => JSON.stringify((row as never)[c]) !== JSON.stringify((stored as never)[c]));
      if (columns.length > 0) found.push(`${table} ${id}: ${columns.map((c) => `${c} is ${JSON.stringify((stored as never)[c])}, the log gives ${JSON.stringify((row as never)[c])}`).join("; ")}`);
    }
  }
  for (const id of actual.keys()) {
    if (found.length >= limit) return found;
    if (!expected.has(id)) found.push(`${table} ${id}: in the table, but the log gives no such row`);
  }
  return found;
}

/** Folds the log in memory and compares with the tables; returns the first differences (none: they agree). */
export function verifyProjections(sqlite: Database, limit = 20): { events: number; differences: string[] } {
  let events = 0;
  const folded = foldLog((function* () {
    for (const event of allEvents(sqlite)) {
      events++;
      yield event;
    }
  })());
  const stepRows = new Map(sqlite.prepare<[], { id: string }>("SELECT * FROM run_steps").all().map((r) => [r.id, r] as [string, object]));
  const runRows = new Map(sqlite.prepare<[], { id: string }>("SELECT * FROM runs").all().map((r) => [r.id, r] as [string, object]));
  const toolRows = sqlite.prepare<[], { step_id: string; tool: string }>("SELECT step_id, tool FROM run_step_tools").all();
  const tools = new Map(toolRows.map((r) => [JSON.stringify([r.step_id, r.tool]), r] as [string, object]));
  const expectedTools = new Map([...folded.runStepTools].map((k) => { const [step_id, tool] = JSON.parse(k) as [string, string]; return [k, { step_id, tool }] as [string, object]; }));
  const differences = [
    ...differencesOf("run_steps", folded.runSteps, stepRows, limit),
    ...differencesOf("runs", folded.runs, runRows, limit),
    ...differencesOf("run_step_tools", expectedTools, tools, limit),
  ].slice(0, limit);
  return { events, differences };
}
