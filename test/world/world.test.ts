import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recordsOf } from "../../src/records/classify.js";
import { generateWorld, worldArbitrary, type World } from "./world.js";

const ROW_KEYS = [
  "id", "object", "created_at", "assistant_id", "thread_id", "run_id", "type", "status", "step_details",
  "last_error", "expired_at", "cancelled_at", "failed_at", "completed_at", "metadata", "usage",
];

const sample = fc.sample(worldArbitrary({ maxRuns: 4 }), { numRuns: 150, seed: 20_261_125 });

function rejectionsOf(world: World): string[] {
  const values = [...world.events, ...[...world.polledSteps.values()].flat(), ...world.runs];
  return values.flatMap((value) => [...recordsOf(value, JSON.stringify(value), "world")].flatMap((r) => (r.ok ? [] : [`${r.path}: ${r.reason}`])));
}

describe("the generated world", () => {
  it("is made of records stepstore accepts", () => {
    for (const world of sample) expect(rejectionsOf(world)).toEqual([]);
  });

  it("states its truth as run-step rows: the 16 keys in API order, whole-second timestamps, sorted by created_at then id, no index", () => {
    for (const world of sample) {
      for (const step of world.steps) {
        expect(Object.keys(step)).toEqual(ROW_KEYS);
        expect(step.id).toMatch(/^step_\w+$/);
        for (const key of ["created_at", "expired_at", "cancelled_at", "failed_at", "completed_at"]) {
          const value = step[key];
          if (value !== null) expect(Number.isInteger(value)).toBe(true);
        }
        expect(JSON.stringify(step.step_details)).not.toContain('"index"');
      }
      const order = world.steps.map((s) => [s.created_at, s.id] as const);
      expect(order).toEqual([...order].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)));
    }
  });

  it("keeps each run's events in their natural order and every event id unique", () => {
    for (const world of sample) {
      expect(new Set(world.events.map((e) => e.id)).size).toBe(world.events.length);
      const times = world.events.map((e) => e.created_at as number);
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
  });

  it("covers what the fold must handle", () => {
    const seen = new Set<string>();
    for (const world of sample) {
      if (new Set(world.steps.map((s) => s.assistant_id)).size > 1) seen.add("several assistants");
      if (world.polledSteps.size > 0) seen.add("polled runs");
      for (const event of world.events) seen.add(`event ${event.type}`);
      for (const step of world.steps) {
        seen.add(`${step.type} ${step.status}`);
        seen.add(step.metadata === null ? "metadata omitted" : "metadata present");
        if (step.last_error) seen.add(`error ${step.last_error.code}`);
        const calls = ((step.step_details as { tool_calls?: { type: string; code_interpreter?: { outputs: { type: string }[] } }[] }).tool_calls ?? []);
        for (const call of calls) {
          seen.add(`tool ${call.type}`);
          for (const output of call.code_interpreter?.outputs ?? []) seen.add(`output ${output.type}`);
        }
        if (calls.length > 0 && (step.status === "in_progress" || step.status === "expired")) seen.add(`unfinished ${step.status} with details`);
      }
    }
    for (const expected of [
      "several assistants", "polled runs", "metadata omitted", "metadata present", "error server_error", "error rate_limit_exceeded",
      "tool function", "tool code_interpreter", "tool file_search", "tool bing_grounding", "output logs", "output image",
      "tool_calls completed", "tool_calls failed", "tool_calls cancelled", "tool_calls expired", "tool_calls in_progress",
      "message_creation completed", "message_creation expired", "message_creation in_progress",
      "unfinished in_progress with details", "unfinished expired with details",
      "event thread.run.expired", "event thread.run.step.expired", "event thread.run.step.delta", "event thread.run.requires_action",
    ]) expect(seen).toContain(expected);
  });

  it("generateWorld is deterministic and has the runs asked for", () => {
    const a = generateWorld(42, { runs: 30 });
    const b = generateWorld(42, { runs: 30 });
    expect(a.runs).toHaveLength(30);
    expect(JSON.stringify([a.steps, a.events, a.runs, [...a.polledSteps]])).toBe(JSON.stringify([b.steps, b.events, b.runs, [...b.polledSteps]]));
    expect(rejectionsOf(a)).toEqual([]);
  });
});
