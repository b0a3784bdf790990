import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evolveStep, initialStepState, renderRunStep } from "../../src/projections/runSteps/evolve.js";
import type { RunExpiryState } from "../../src/projections/runSteps/runExpiry.js";
import { decodeEvent, type StepEvent } from "../../src/records/events.js";
import { recordsOf } from "../../src/records/classify.js";
import { jsonPath } from "../../src/records/jsonPath.js";
import { generateWorld } from "../world/world.js";
import { validateExtended, validateStrict } from "./openapiRunStep.js";
import { plainDelta, RUN_ID, STEP_ID, stepRecords } from "./stepInputs.js";

type Json = Record<string, unknown>;
const RUNS = 300;

function classify(record: unknown) {
  return [...recordsOf(record, JSON.stringify(record), "generated.json")][0]!;
}

/** The row the fold renders from these records, taken in this order (each must be accepted first). */
function rowOf(records: Json[], expired: boolean): Json | null {
  let position = 0;
  const state = records.reduce((s, record) => {
    const classified = classify(record);
    if (!classified.ok) throw new Error(`a valid input was rejected: ${classified.path}: ${classified.reason}`);
    return evolveStep(s, decodeEvent({ position: ++position, type: classified.type, payload: classified.payload, envelopeCreatedAt: null }) as StepEvent);
  }, initialStepState(STEP_ID));
  const expiry: RunExpiryState | null = expired ? { runId: RUN_ID, expiresAt: 1_755_000_600, envelopeCreatedAt: null, position: ++position } : null;
  return renderRunStep(state, expiry)?.row ?? null;
}

/** Snapshots and deltas interleaved in any order, deltas kept in stream order among themselves. */
const scenario = (extensions: boolean) =>
  stepRecords(extensions).chain(({ snapshots, deltas }) =>
    fc.record({
      records: fc.shuffledSubarray([...snapshots.map((s) => ({ s })), ...deltas.map((_, i) => ({ d: i }))], { minLength: snapshots.length + deltas.length, maxLength: snapshots.length + deltas.length })
        .map((order) => { let next = 0; return order.map((o) => ("s" in o ? o.s : deltas[next++]!)); }),
      expired: fc.boolean(),
    }));

describe("every row served validates against the official RunStepObject (CONTRACT §1 v1.1)", () => {
  it("rows folded from snapshots and deltas without extensions validate against the spec with no key added", () => {
    fc.assert(fc.property(scenario(false), ({ records, expired }) => {
      expect(validateStrict(rowOf(records, expired))).toEqual([]);
    }), { numRuns: RUNS });
  });

  it("with a newer server's extra keys, vendor tool types and any error code or ranker, rows validate with exactly those extensions", () => {
    fc.assert(fc.property(scenario(true), ({ records, expired }) => {
      expect(validateExtended(rowOf(records, expired))).toEqual([]);
    }), { numRuns: RUNS });
  });

  it("the generated worlds' rows validate too", () => {
    for (const step of generateWorld(7, { runs: 40 }).steps) expect(validateExtended(step)).toEqual([]);
  });
});

/** Every scalar in a delta's step_details, with its path from the record's root. */
function leavesOf(value: unknown, path: (string | number)[]): (string | number)[][] {
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leavesOf(v, [...path, Array.isArray(value) ? Number(k) : k]));
  }
  return [path];
}

function withValueAt(record: Json, path: (string | number)[], value: unknown): Json {
  const copy = structuredClone(record);
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1)!] = value;
  return copy;
}

const wrongType = (value: unknown) => (typeof value === "string" ? 42 : typeof value === "number" ? "42" : 42);
const outOfRange = fc.oneof(fc.double({ min: 1, minExcluded: true, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 0, noNaN: true }).filter((v) => v < 0));

describe("a delta is validated as strictly as a snapshot (CONTRACT §1 v1.1)", () => {
  it("any field of a valid delta given the wrong JSON type is rejected, naming that field's path", () => {
    fc.assert(fc.property(plainDelta, fc.nat(), (delta, pick) => {
      expect(classify(delta).ok).toBe(true);
      const leaves = leavesOf((delta.delta as Json).step_details, ["delta", "step_details"]);
      const path = leaves[pick % leaves.length]!;
      const leaf = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], delta);
      const rejected = classify(withValueAt(delta, path, wrongType(leaf)));
      expect(rejected.ok).toBe(false);
      expect(!rejected.ok && rejected.path).toBe(jsonPath(path));
    }), { numRuns: RUNS });
  });

  it("a score or score_threshold outside 0–1 is rejected in a delta as in a snapshot", () => {
    fc.assert(fc.property(outOfRange, fc.boolean(), (value, threshold) => {
      const fileSearch = threshold ? { ranking_options: { ranker: "auto", score_threshold: value } } : { results: [{ file_id: "file_1", file_name: "a.md", score: value }] };
      const where = threshold ? "file_search.ranking_options.score_threshold" : "file_search.results[0].score";
      const call = { id: "call_1", type: "file_search", file_search: fileSearch };
      const delta = { id: STEP_ID, object: "thread.run.step.delta", delta: { step_details: { type: "tool_calls", tool_calls: [{ index: 0, ...call }] } } };
      const snapshot = {
        id: STEP_ID, object: "thread.run.step", created_at: 1, assistant_id: "a", thread_id: "t", run_id: RUN_ID, type: "tool_calls",
        status: "completed", step_details: { type: "tool_calls", tool_calls: [call] },
      };
      expect(classify(delta)).toMatchObject({ ok: false, path: `$.delta.step_details.tool_calls[0].${where}` });
      expect(classify(snapshot)).toMatchObject({ ok: false, path: `$.step_details.tool_calls[0].${where}` });
    }), { numRuns: 100 });
  });
});
