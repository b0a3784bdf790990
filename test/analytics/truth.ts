/**
 * The §7 metrics computed straight from a world's ground-truth steps, with the contract's definitions
 * (never from the views or src/analytics): what every report and view must equal.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { Run, RunStep } from "../../src/records/schemas.js";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import type { World } from "../world/world.js";

export const DIMENSIONS = ["assistant", "day", "hour", "model", "type", "tool", "error"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const KEY_COLUMN: Record<Dimension, string> = {
  assistant: "assistant_id", day: "day", hour: "hour", model: "model", type: "type", tool: "tool", error: "error_code",
};

export interface Filter {
  from?: string;
  to?: string;
  assistant?: string;
  model?: string;
}

/** What the truth is computed from: the steps, and the runs whose snapshots name the steps' models. */
export interface Truth {
  steps: readonly RunStep[];
  runs: readonly Run[];
}

/** The price table the tests report with (`--prices`), USD per million tokens; a model matches exactly or by its `K-` family. */
export const TEST_PRICES: Record<string, { input_per_million: number; output_per_million: number }> = {
  "gpt-4o": { input_per_million: 2.5, output_per_million: 10 },
  "gpt-4o-mini": { input_per_million: 0.15, output_per_million: 0.6 },
  "o3-mini": { input_per_million: 1.1, output_per_million: 4.4 },
  // A key spelled as the unknown model's: it prices no step (§7: a step whose model is unknown adds nothing).
  "(unknown)": { input_per_million: 1, output_per_million: 1 },
};

/** TEST_PRICES as a file, for `--prices` and the service. */
export function testPricesFile(): string {
  const path = join(tempDir("stepstore-prices-"), "prices.json");
  writeFileSync(path, JSON.stringify({ as_of: "2026-01-01", source: "tests", models: TEST_PRICES }));
  return path;
}

/** §7: the model's prices by exact key, else the longest key K the model starts with followed by `-`. */
function testPrice(model: string) {
  if (Object.hasOwn(TEST_PRICES, model)) return TEST_PRICES[model]!;
  const family = Object.keys(TEST_PRICES).filter((key) => model.startsWith(`${key}-`)).sort((a, b) => b.length - a.length)[0];
  return family === undefined ? null : TEST_PRICES[family]!;
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
  cost_usd: number | null;
}

type Step = RunStep & Record<string, unknown>;

/** §6: a step's model is its run's `model`, `(unknown)` without one. */
const modelOf = (step: Step, models: ReadonlyMap<string, string>) => models.get(step.run_id as string) ?? "(unknown)";

export const utcHour = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 13);

export const utcDay = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

/** §6: the keys a step counts under in one dimension (none, one, or for tools several). */
export function keysOf(step: Step, dimension: Dimension, models: ReadonlyMap<string, string>): (string | null)[] {
  switch (dimension) {
    case "assistant":
      return [step.assistant_id as string | null];
    case "day":
      return [utcDay(step.created_at as number)];
    case "hour":
      return [utcHour(step.created_at as number)];
    case "model":
      return [modelOf(step, models)];
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

/** §7 cost_usd: each priced step's tokens at its model's prices; null when no step of the group is priced. */
function costOf(steps: Step[], models: ReadonlyMap<string, string>): number | null {
  let cost: number | null = null;
  for (const step of steps) {
    const model = models.get(step.run_id as string);
    const price = model === undefined ? null : testPrice(model);
    if (price === null) continue;
    const usage = step.usage as { prompt_tokens: number; completion_tokens: number } | null;
    cost = (cost ?? 0) + ((usage?.prompt_tokens ?? 0) * price.input_per_million + (usage?.completion_tokens ?? 0) * price.output_per_million) / 1e6;
  }
  return cost;
}

function metricsOf(steps: Step[], models: ReadonlyMap<string, string>): Omit<TruthRow, "key"> {
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
    cost_usd: costOf(steps, models),
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

function keepsStep(step: Step, filter: Filter, models: ReadonlyMap<string, string>): boolean {
  const day = utcDay(step.created_at as number);
  return (filter.from === undefined || day >= filter.from) && (filter.to === undefined || day <= filter.to) &&
    (filter.assistant === undefined || step.assistant_id === filter.assistant) &&
    (filter.model === undefined || modelOf(step, models) === filter.model);
}

/** Every row of one dimension, ordered by key. */
export function truthRows(truth: Truth, dimension: Dimension, filter: Filter = {}): TruthRow[] {
  const models = new Map(truth.runs.filter((run) => run.model !== undefined).map((run) => [run.id, run.model!]));
  const groups = new Map<string | null, Step[]>();
  for (const step of truth.steps as Step[]) {
    if (!keepsStep(step, filter, models)) continue;
    for (const key of keysOf(step, dimension, models)) {
      const group = groups.get(key);
      if (group) group.push(step);
      else groups.set(key, [step]);
    }
  }
  return [...groups.keys()].sort(byKey).map((key) => ({ key, ...metricsOf(groups.get(key)!, models) }));
}

/** Report rows equal the truth: every column exactly, but `cost_usd` (a float sum) to a relative 1e-9. */
export function expectRows(actual: readonly Record<string, unknown>[], expected: readonly TruthRow[], label: string): void {
  const costs = (rows: readonly Record<string, unknown>[]) => rows.map((row) => row.cost_usd as number | null);
  const rest = (rows: readonly Record<string, unknown>[]) => rows.map(({ cost_usd: _cost, ...row }) => row);
  expect(rest(actual), label).toEqual(rest(expected as unknown as Record<string, unknown>[]));
  costs(expected as unknown as Record<string, unknown>[]).forEach((cost, i) => {
    const got = costs(actual)[i];
    if (cost === null) return void expect(got, `${label} row ${i}`).toBeNull();
    // A number, not null: null - 0 is 0 in JavaScript, which would pass a NULL cost for a group that costs 0.
    expect(typeof got, `${label} row ${i}: ${got} vs ${cost}`).toBe("number");
    expect(Math.abs((got as number) - cost), `${label} row ${i}: ${got} vs ${cost}`).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(cost), 1e-12));
  });
}

/**
 * A store holding the world (its events and what polling its runs answered), the extra snapshots and
 * `others` first (assistant records), ingested through the real CLI.
 */
export async function storeOf(world: World, snapshots: readonly RunStep[] = [], runs: readonly Run[] = [], others: readonly object[] = []): Promise<string> {
  const dir = tempDir("stepstore-analytics-");
  const file = join(dir, "world.jsonl");
  const polled = [...world.polledSteps.values()].flat();
  // The runs last: their models are learned after their steps.
  writeFileSync(file, [...others, ...world.events, ...polled, ...snapshots, ...runs].map((record) => JSON.stringify(record)).join("\n") + "\n");
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

/** Models the snapshot runs ran: exact and dated keys of the test prices, and one the table does not price. */
const SNAPSHOT_MODELS = ["gpt-4o-2024-08-06", "gpt-4o-mini", "o3-mini", "ft:acme-support", "gpt-4o", "gpt-4o-mini-2024-07-18"];

/** A final snapshot for most runs of the snapshot steps (the last three runs get none: their model is unknown). */
export function snapshotRuns(steps: readonly RunStep[]): Run[] {
  const runIds = [...new Set(steps.map((step) => step.run_id as string))].sort();
  return runIds.slice(0, -3).map((id, i) => {
    const first = steps.find((step) => step.run_id === id)!;
    return {
      id, object: "thread.run", created_at: first.created_at as number, thread_id: first.thread_id as string, assistant_id: first.assistant_id as string,
      status: "completed", started_at: first.created_at as number, expires_at: null, cancelled_at: null, failed_at: null,
      completed_at: first.created_at as number, model: SNAPSHOT_MODELS[i % SNAPSHOT_MODELS.length]!,
    } as unknown as Run;
  });
}
