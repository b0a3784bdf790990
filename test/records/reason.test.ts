import { describe, expect, it } from "vitest";
import { recordsOf } from "../../src/records/classify.js";

const reasonFor = (value: unknown) => [...recordsOf(value, JSON.stringify(value), "in.jsonl:1")].map((r) => (r.ok ? "accepted" : r.reason));

describe("a rejection reason quotes a long string only in part (the record is kept whole as raw)", () => {
  it("quotes a short string whole, exactly", () => {
    expect(reasonFor({ object: "🦆 duck" })).toEqual(['object: unknown record kind "🦆 duck"']);
  });

  it("cuts a long one after 60 characters, not inside one, and says how long it was", () => {
    // A megabyte in a field that should hold an id: the reason is printed on stderr and kept in `rejections`.
    const long = `${"🦆".repeat(59)}${"x".repeat(1_000_000)}`;
    const [reason] = reasonFor({ object: long });
    expect(reason).toBe(`object: unknown record kind ${JSON.stringify(`${"🦆".repeat(59)}x`)}… (a string of 1000059 characters)`);
    expect(reasonFor({ object: "list", data: "y".repeat(61) })).toEqual([`data: expected an array (the list page's items), got "${"y".repeat(60)}"… (a string of 61 characters)`]);
  });
});

describe("numbers a store sums stay within what it adds exactly (one step had broken a PostgreSQL store's rollups)", () => {
  const step = (extra: Record<string, unknown>) => ({
    id: "step_1", object: "thread.run.step", created_at: 1735689600, assistant_id: "asst_1", thread_id: "thread_1", run_id: "run_1",
    type: "message_creation", status: "completed", step_details: { type: "message_creation", message_creation: { message_id: "msg_1" } },
    completed_at: 1735689605, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }, ...extra,
  });

  it("takes token counts from 0 to 2147483647 and refuses others, naming the count", () => {
    expect(reasonFor(step({ usage: { prompt_tokens: 2147483647, completion_tokens: 0, total_tokens: 2147483647 } }))).toEqual(["accepted"]);
    expect(reasonFor(step({ usage: { prompt_tokens: 9007199254740991, completion_tokens: 0, total_tokens: 1 } }))).toEqual(["usage.prompt_tokens: expected at most 2147483647, got 9007199254740991"]);
    expect(reasonFor(step({ usage: { prompt_tokens: 1, completion_tokens: -1, total_tokens: 0 } }))).toEqual(["usage.completion_tokens: expected at least 0, got -1"]);
  });

  it("takes times of years 1 to 9999 and refuses others, in the data and in an event's envelope", () => {
    const range = "expected a Unix time from 0001-01-01 to 9999-12-31 UTC (-62135596800 to 253402300799)";
    expect(reasonFor(step({ created_at: -62135596800, completed_at: 253402300799 }))).toEqual(["accepted"]);
    expect(reasonFor(step({ created_at: -9007199254740991 }))).toEqual([`created_at: ${range}, got -9007199254740991`]);
    expect(reasonFor(step({ completed_at: 253402300800 }))).toEqual([`completed_at: ${range}, got 253402300800`]);
    expect(reasonFor({ id: "evt_1", object: "event", type: "thread.run.step.created", created_at: 1755180300000, data: step({}) })).toEqual([`created_at: ${range}, got 1755180300000`]);
  });
});
