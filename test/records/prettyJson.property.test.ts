import fc from "fast-check";
import { expect, it } from "vitest";
import { jsonReportParts } from "../../src/analytics/render/index.js";
import { REPORT_PAGE_ROWS, type Report } from "../../src/analytics/report.js";
import { jsonPages } from "../../src/cli/output.js";
import { prettyJsonArrayPages } from "../../src/records/json.js";

/** JSON values with what pretty printing must get right: nesting, empty containers, escapes, characters beyond ASCII. */
const json = fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);
const text = fc.oneof(fc.string({ unit: "grapheme" }), fc.constantFrom("[]", "]\n", '"rows": []', "\u2028"));

it("prettyJsonArrayPages writes, a page at a time, the bytes of JSON.stringify(…, null, 2) of the whole array at any depth", () => {
  fc.assert(fc.property(fc.array(fc.array(json, { maxLength: 4 }), { maxLength: 5 }), fc.integer({ min: 0, max: 3 }), (pages, depth) => {
    let wrapped: unknown = pages.flat();
    for (let level = 0; level < depth; level++) wrapped = { _: wrapped };
    const whole = JSON.stringify(wrapped, null, 2);
    const array = prettyJsonArrayPages(depth);
    const written = pages.map((page) => array.page(page)).join("") + array.end();
    expect(written).toBe(whole.slice(whole.indexOf("["), whole.lastIndexOf("]") + 1));
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

it("the JSON report, made a page of rows at a time, is the bytes of JSON.stringify(report, null, 2) and a line break", () => {
  fc.assert(fc.property(report, (given) => {
    const json = jsonReportParts(given);
    const pages = Array.from({ length: Math.ceil(given.rows.length / REPORT_PAGE_ROWS) }, (_, i) => given.rows.slice(i * REPORT_PAGE_ROWS, (i + 1) * REPORT_PAGE_ROWS));
    expect(json.head + pages.map((page) => json.page(page)).join("") + json.end()).toBe(`${JSON.stringify(given, null, 2)}\n`);
  }), { numRuns: 60 });
});
