import type { RunRef } from "../../records/events.js";
import type { SqlPort } from "../../store/sqlPort.js";
import { STEP_STATUS_RANK } from "../runSteps/compare.js";
import { RUN_STATUS_RANK, TERMINAL_RUN_RANK } from "./evolve.js";


const terminalRunStatuses = Object.keys(RUN_STATUS_RANK).filter((s) => RUN_STATUS_RANK[s] === TERMINAL_RUN_RANK);
const openStepStatuses = Object.keys(STEP_STATUS_RANK).filter((s) => STEP_STATUS_RANK[s] === 0);
const list = (values: readonly string[]) => values.map(() => "?").join(", ");

/**
 * Every run the store knows that is not finished (CONTRACT §8 `poll --open`): its winning
 * snapshot is not terminal, or one of its steps is still in progress. Ordered by thread, then run.
 */
export function openRuns(port: SqlPort): Promise<RunRef[]> {
  return port.all<RunRef>(
      `SELECT thread_id AS "threadId", id AS "runId" FROM runs WHERE thread_id IS NOT NULL AND status NOT IN (${list(terminalRunStatuses)})
       UNION
       SELECT DISTINCT thread_id AS "threadId", run_id AS "runId" FROM run_steps
        WHERE thread_id IS NOT NULL AND run_id IS NOT NULL AND status IN (${list(openStepStatuses)})
       ORDER BY "threadId", "runId"`,
      [...terminalRunStatuses, ...openStepStatuses],
  );
}

/** How many runs the store knows (`status`). */
export async function countRuns(port: SqlPort): Promise<number> {
  return (await port.get<{ n: number }>("SELECT count(*) AS n FROM runs"))!.n;
}
