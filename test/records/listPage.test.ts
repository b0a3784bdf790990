import { describe, expect, it } from "vitest";
import { recordsOf } from "../../src/records/classify.js";

const classified = (value: unknown) => [...recordsOf(value, JSON.stringify(value), "page.json")];

describe("a list page (CONTRACT §1: {object: \"list\", data: [...]})", () => {
  it("gives its items as records", () => {
    expect(classified({ object: "list", data: [] })).toEqual([]);
  });

  it.each([
    [{ object: "list", data: {} }, "data: expected an array (the list page's items), got an object"],
    [{ object: "list", data: "x" }, 'data: expected an array (the list page\'s items), got "x"'],
    [{ object: "list" }, "data: missing required key (expected an array: the list page's items)"],
  ])("whose items are not an array is rejected at $.data, not as an unknown kind: %j", (page, reason) => {
    expect(classified(page)).toMatchObject([{ ok: false, reason, path: "$.data", origin: "page.json" }]);
  });
});
