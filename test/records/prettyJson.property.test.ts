import fc from "fast-check";
import { expect, it } from "vitest";
import { renderJsonParts } from "../../src/analytics/render/index.js";
import type { Report } from "../../src/analytics/report.js";
import { jsonPages } from "../../src/cli/output.js";
import { prettyJsonItems } from "../../src/records/json.js";

/** JSON values with what pretty printing must get right: nesting, empty containers, escapes, characters beyond ASCII. */
const json = fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);
const text = fc.oneof(fc.string({ unit: "grapheme" }), fc.constantFrom("[]", "]\n", '"rows": []', "\u2028"));

it("prettyJsonItems gives an array's items as JSON.stringify(…, null, 2) writes them at any depth", () => {
  fc.assert(fc.property(fc.array(json, { maxLength: 6 }), fc.integer({ min: 0, max: 3 }), (items, depth) => {
    let wrapped: unknown = items;
    for (let level = 0; level < depth; level++) wrapped = { _: wrapped };
    const whole = JSON.stringify(wrapped, null, 2);
    const array = whole.slice(whole.indexOf("["), whole.lastIndexOf("]") + 1);
    const indent = "  ".repeat(depth);
    expect(items.length === 0 ? "[]" : `[${prettyJsonItems(items, depth)}\n${indent}]`).toBe(array);
  }));
});

it("jsonPages, a page at a time, writes the bytes of JSON.stringify(rows, null, 2) and a line break", () => {
  fc.assert(fc.property(fc.array(fc.array(json, { maxLength: 4 }), { maxLength: 5 }), (pages) => {
    const format = jsonPages<unknown>();
    const written = pages.map((page) => format.page(page)).join("") + format.end();
    expect(written).toBe(`${JSON.stringify(pages.flat(), null, 2)}\n`);
  }));
});

/** Reports of up to several parts' rows, with keys and filters that JSON escapes, `[]` among them. */
const report: fc.Arbitrary<Report> = fc.record({
  dimension: fc.constantFrom("assistant", "hour"),
  filters: fc.record({ from: fc.option(text), to: fc.option(text), assistant: fc.option(text), model: fc.option(text) }),
  rows: fc.array(
    fc.record({ key: fc.option(text), steps: fc.nat(), failure_rate: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })), cost_usd: fc.option(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true })) }),
    { maxLength: 350, size: "max" },
  ),
}) as unknown as fc.Arbitrary<Report>;

it("the JSON report, made in parts of at most 100 rows, is the bytes of JSON.stringify(report, null, 2) and a line break", () => {
  fc.assert(fc.property(report, (given) => {
    const parts = [...renderJsonParts(given)];
    expect(parts.join("")).toBe(`${JSON.stringify(given, null, 2)}\n`);
    expect(parts.length).toBe(given.rows.length === 0 ? 1 : 2 + Math.ceil(given.rows.length / 100));
  }), { numRuns: 60 });
});
