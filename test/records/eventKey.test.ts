import { describe, expect, it } from "vitest";
import { recordsOf } from "../../src/records/classify.js";
import { createEventKeyer, type KeyedRecord } from "../../src/records/eventKey.js";

// CONTRACT §3 rule 2: a delta without an id of its own is keyed by its document, its step, its place among the step's
// deltas in the document, and its content. A rejected delta holds its place; an earlier version's key rides along.

const delta = (stepId: string, chunk: unknown) => ({
  id: stepId, object: "thread.run.step.delta",
  delta: { step_details: { type: "tool_calls", tool_calls: [{ index: 0, type: "function", function: { arguments: chunk } }] } },
});

/** Each record of a document as the keyer answers it: its keys, or "rejected". */
function keysOf(records: unknown[]): (Omit<KeyedRecord, "record"> | "rejected")[] {
  const keyer = createEventKeyer("document");
  return records.map((value, line) => {
    const [classified] = recordsOf(value, JSON.stringify(value), `doc.jsonl:${line + 1}`);
    const keyed = keyer.keyed(classified!);
    return "key" in keyed ? { key: keyed.key, ...(keyed.legacyKey === undefined ? {} : { legacyKey: keyed.legacyKey }) } : "rejected";
  });
}

describe("a delta's key (CONTRACT §3 rule 2)", () => {
  const [first, bad, fixed, last] = [delta("step_A", "a"), delta("step_A", 7), delta("step_A", "b"), delta("step_A", "c")];

  it("a rejected delta holds its place: the deltas after it keep their keys once it is taken", () => {
    const rejected = keysOf([first, bad, last]);
    const taken = keysOf([first, fixed, last]);
    expect(rejected[1]).toBe("rejected");
    expect(rejected[2]).toMatchObject({ key: (taken[2] as KeyedRecord).key });
  });

  it("a delta after a rejected one carries the key it had when only accepted deltas were counted", () => {
    const [, , after] = keysOf([first, bad, last]);
    const [, earlier] = keysOf([first, last]);
    expect(after).toEqual({ key: expect.any(String), legacyKey: (earlier as KeyedRecord).key });
    expect(keysOf([first, last])[1]).not.toHaveProperty("legacyKey");
  });

  it("a rejected event that names itself (any id, a number too) holds no place: corrected, it is keyed by its id", () => {
    const named = { object: "event", id: 123, type: "thread.run.step.delta", data: fixed };
    const keys = keysOf([first, named, last]);
    expect(keys[1]).toBe("rejected");
    expect(keys[2]).toEqual(keysOf([first, last])[1]);
  });

  it("a rejected delta of one step moves no other step's places", () => {
    const other = delta("step_B", "x");
    expect(keysOf([first, bad, other])[2]).toEqual(keysOf([first, other])[1]);
  });

  it("a rejected delta wrapped in an event without an id holds its place as a bare one does", () => {
    const wrapped = { event: "thread.run.step.delta", data: bad };
    expect(keysOf([first, wrapped, last])[2]).toEqual(keysOf([first, bad, last])[2]);
  });
});
