/**
 * The §7 metrics computed straight from a world's ground-truth steps, with the contract's definitions
 * (never from the views or src/analytics): what every report and view must equal.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunStep } from "../../src/records/schemas.js";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import type { World } from "../world/world.js";

export const DIMENSIONS = ["assistant", "day", "type", "tool", "error"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const KEY_COLUMN: Record<Dimension, string> = { assistant: "assistant_id", day: "day", type: "type", tool: "tool", error: "error_code" };

export interface Filter {
  from?: string;
  to?: string;
  assistant?: string;
}

export interface TruthRow {
  key: string | null;
  steps: number;
  completed: number;
  failed: number;
  cancelled: number;
  expired: number;
  in_progress: number;
  failure_rate: number | null;
  avg_completion_seconds: number | null;
  p50_completion_seconds: number | null;
  p95_completion_seconds: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

type Step = RunStep & Record<string, unknown>;

export const utcDay = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

/** §6: the keys a step counts under in one dimension (none, one, or for tools several). */
export function keysOf(step: Step, dimension: Dimension): (string | null)[] {
  switch (dimension) {
    case "assistant":
      return [step.assistant_id as string | null];
    case "day":
      return [utcDay(step.created_at as number)];
    case "type":
      return [step.type as string];
    case "error": {
      const code = (step.last_error as { code?: unknown } | null)?.code;
      return typeof code === "string" ? [code] : [];
    }
    case "tool": {
      if (step.type === "message_creation") return ["message_creation"];
      const calls = ((step.step_details as { tool_calls?: { type: string; function?: { name: string } }[] }).tool_calls ?? []);
      return [...new Set(calls.map((call) => (call.type === "function" ? `function:${call.function!.name}` : call.type)))];
    }
  }
}

/** Nearest rank: the value at 1-based rank ceil(p/100 × n) of the ascending values. */
function nearestRank(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

function metricsOf(steps: Step[]): Omit<TruthRow, "key"> {
  const count = (status: string) => steps.filter((s) => s.status === status).length;
  const [completed, failed, cancelled, expired] = [count("completed"), count("failed"), count("cancelled"), count("expired")];
  const finished = completed + failed + cancelled + expired;
  const seconds = steps
    .filter((s) => s.status === "completed")
    .map((s) => (s.completed_at as number) - (s.created_at as number))
    .sort((a, b) => a - b);
  const usage = (name: "prompt_tokens" | "completion_tokens" | "total_tokens") =>
    steps.reduce((sum, s) => sum + ((s.usage as Record<string, number> | null)?.[name] ?? 0), 0);
  return {
    steps: steps.length,
    completed,
    failed,
    cancelled,
    expired,
    in_progress: count("in_progress"),
    failure_rate: finished === 0 ? null : failed / finished,
    avg_completion_seconds: seconds.length === 0 ? null : seconds.reduce((a, b) => a + b, 0) / seconds.length,
    p50_completion_seconds: nearestRank(seconds, 50),
    p95_completion_seconds: nearestRank(seconds, 95),
    prompt_tokens: usage("prompt_tokens"),
    completion_tokens: usage("completion_tokens"),
    total_tokens: usage("total_tokens"),
  };
}

/** Code point order, as SQLite's BINARY collation sorts UTF-8 text; NULL first. */
function byKey(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export function keepsStep(step: Step, filter: Filter): boolean {
  const day = utcDay(step.created_at as number);
  return (filter.from === undefined || day >= filter.from) && (filter.to === undefined || day <= filter.to) &&
    (filter.assistant === undefined || step.assistant_id === filter.assistant);
}

/** Every row of one dimension, ordered by key. */
export function truthRows(steps: readonly RunStep[], dimension: Dimension, filter: Filter = {}): TruthRow[] {
  const groups = new Map<string | null, Step[]>();
  for (const step of steps as Step[]) {
    if (!keepsStep(step, filter)) continue;
    for (const key of keysOf(step, dimension)) {
      const group = groups.get(key);
      if (group) group.push(step);
      else groups.set(key, [step]);
    }
  }
  return [...groups.keys()].sort(byKey).map((key) => ({ key, ...metricsOf(groups.get(key)!) }));
}

/**
 * A store holding the world (its events and what polling its runs answered) and the extra snapshots,
 * ingested through the real CLI.
 */
export async function storeOf(world: World, snapshots: readonly RunStep[] = []): Promise<string> {
  const dir = tempDir("stepstore-analytics-");
  const file = join(dir, "world.jsonl");
  const polled = [...world.polledSteps.values()].flat();
  writeFileSync(file, [...world.events, ...polled, ...snapshots].map((record) => JSON.stringify(record)).join("\n") + "\n");
  const db = tempDb();
  const result = await stepstore(["ingest", "--db", db, file]);
  if (result.code !== 0) throw new Error(`ingest failed (${result.code}): ${result.stderr}`);
  return db;
}

/**
 * Bare step snapshots (each its step's only, final record) spread over many UTC days and three assistants whose
 * ids sort differently by code point than by locale; every status, tool kind, an unknown vendor tool, error
 * codes, completed steps without usage, and completion times with ties. Each snapshot is its own ground truth.
 */
export function snapshotSteps(count: number, seed = 7): RunStep[] {
  let state = seed >>> 0;
  const next = (n: number) => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  const statuses = ["completed", "completed", "completed", "failed", "cancelled", "expired", "in_progress"] as const;
  const assistants = ["asst_Zeta", "asst_alpha", "asst_Émile"];
  const tools = [
    (id: string) => ({ id, type: "function", function: { name: "lookup_order", arguments: "{}", output: "ok" } }),
    (id: string) => ({ id, type: "function", function: { name: "refund", arguments: "{}", output: null } }),
    (id: string) => ({ id, type: "code_interpreter", code_interpreter: { input: "1+1", outputs: [{ type: "logs", logs: "2" }] } }),
    (id: string) => ({ id, type: "file_search", file_search: { results: [] } }),
    (id: string) => ({ id, type: "bing_grounding", bing_grounding: { requesturl: "https://example.invalid" } }),
  ];
  const base = Date.UTC(2025, 0, 28, 22) / 1000; // spans the end of January into February, across midnights
  const steps: RunStep[] = [];
  for (let i = 0; i < count; i++) {
    const id = `step_snap${String(i).padStart(4, "0")}`;
    const created = base + next(9 * 86_400);
    const status = statuses[next(statuses.length)]!;
    const type = next(3) === 0 ? "message_creation" : "tool_calls";
    const calls = Array.from({ length: 1 + next(3) }, (_, c) => tools[next(tools.length)]!(`call_${i}_${c}`));
    const end = created + next(40);
    const usage = next(5) === 0 ? null : { prompt_tokens: next(900), completion_tokens: next(300), total_tokens: 0 };
    if (usage) usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const code = ["server_error", "rate_limit_exceeded", "invalid_prompt"][next(3)]!;
    steps.push({
      id,
      object: "thread.run.step",
      created_at: created,
      assistant_id: assistants[next(assistants.length)]!,
      thread_id: `thread_snap${i % 11}`,
      run_id: `run_snap${i % 23}`,
      type,
      status,
      step_details: type === "message_creation" ? { type, message_creation: { message_id: `msg_snap${i}` } } : { type, tool_calls: calls },
      last_error: status === "failed" ? { code, message: "it failed" } : null,
      expired_at: status === "expired" ? end : null,
      cancelled_at: status === "cancelled" ? end : null,
      failed_at: status === "failed" ? end : null,
      completed_at: status === "completed" ? end : null,
      metadata: null,
      usage: status === "expired" || status === "in_progress" ? null : usage,
    } as unknown as RunStep);
  }
  return steps;
}
