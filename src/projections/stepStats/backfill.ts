import type { SqlPort } from "../../store/sqlPort.js";
import type { StepFacts } from "../changes.js";
import { STEP_FACT_COLUMNS } from "../runSteps/storedState.js";
import { RollupDelta } from "./cells.js";

const PAGE = 5000;

/**
 * Every stored step counted once, a page of `run_steps` at a time (in id order): what fills the rollups of a store
 * made before them, from its tables as they stand. Memory holds one page's cells.
 */
export async function* storedStepDeltas(tx: SqlPort): AsyncGenerator<RollupDelta> {
  const models = new Map<string, string | null>();
  for (let after = ""; ;) {
    const page = `SELECT id FROM run_steps WHERE id > ? ORDER BY id LIMIT ${PAGE}`;
    const rows = await tx.all<Omit<StepFacts, "tools"> & { id: string }>(`SELECT id, ${STEP_FACT_COLUMNS} FROM run_steps WHERE id IN (${page}) ORDER BY id`, [after]);
    if (rows.length === 0) return;
    const tools = new Map<string, string[]>();
    for (const { step_id, tool } of await tx.all<{ step_id: string; tool: string }>(`SELECT step_id, tool FROM run_step_tools WHERE step_id IN (${page})`, [after])) {
      tools.set(step_id, [...(tools.get(step_id) ?? []), tool]);
    }
    const delta = new RollupDelta();
    for (const { id, ...row } of rows) {
      if (row.runId !== null && !models.has(row.runId)) {
        models.set(row.runId, (await tx.get<{ model: string | null }>("SELECT model FROM runs WHERE id = ?", [row.runId]))?.model ?? null);
      }
      delta.add({ ...row, tools: tools.get(id) ?? [] }, row.runId === null ? null : models.get(row.runId)!, 1);
    }
    yield delta;
    after = rows[rows.length - 1]!.id;
  }
}
