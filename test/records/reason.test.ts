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
