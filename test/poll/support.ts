import type { FakeAssistants, FakeRun, Json } from "../helpers/fakeAssistants.js";
import { stepstore } from "../helpers/cli.js";
import type { World } from "../world/world.js";

/** Runs `stepstore poll` against a fake server, as a user with OPENAI_BASE_URL and OPENAI_API_KEY set would. */
export function poll(server: FakeAssistants, db: string, args: string[], env: Record<string, string> = {}) {
  return stepstore(["poll", "--db", db, ...args], { env: { OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: "sk-test", ...env } });
}

/** The run-step rows `stepstore steps` prints. */
export async function stepRows(db: string, filter: string[] = []): Promise<Json[]> {
  const result = await stepstore(["steps", "--db", db, "--format", "jsonl", ...filter]);
  if (result.code !== 0) throw new Error(`stepstore steps exited ${result.code}: ${result.stderr}`);
  return result.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Json);
}

/** What the server of a generated world serves: each polled run's final snapshot and its steps' current snapshots. */
export function servedRunsOf(world: World): FakeRun[] {
  return world.runs
    .filter((run) => world.polledSteps.has(run.id))
    .map((run) => ({ states: [{ run: run as unknown as Json, steps: world.polledSteps.get(run.id)! }] }));
}

export const TERMINAL_RUN_STATUSES = ["completed", "failed", "cancelled", "expired", "incomplete"];
