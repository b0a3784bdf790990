import { describe, expect, it } from "vitest";
import { formatRows, formatTable, jsonPages, tablePages, TABLE_WIDTH_ROWS, type Row } from "../../src/cli/output.js";

/** Rows through a paged format, `pageSize` at a time, as a read command writes them. */
function paged(format: { page(rows: readonly Row[]): string; end(): string }, rows: readonly Row[], pageSize: number): string {
  let text = "";
  for (let at = 0; at < rows.length; at += pageSize) text += format.page(rows.slice(at, at + pageSize));
  return text + format.end();
}

describe("table output (--format table)", () => {
  it("prints a table of 200,000 rows, past the 120,000 where it ran out of stack and printed nothing", () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => ({ id: `step_${i}`, status: i === 150_000 ? "in_progress" : "completed" }));
    const table = formatTable(rows, ["id", "status"]);
    const lines = table.split("\n");
    expect(lines).toHaveLength(200_003); // header, rule, rows, and the last line's end
    expect(lines[0]).toBe("id           status");
    expect(lines[150_002]).toBe("step_150000  in_progress");
    expect(formatRows(rows, "table", ["id", "status"])).toBe(table);
  });

  it("streamed, is formatTable's bytes up to TABLE_WIDTH_ROWS rows; later a cell wider than its column is shortened with …", () => {
    const rows: Row[] = Array.from({ length: TABLE_WIDTH_ROWS }, (_, i) => ({ id: i, note: i % 7 ? "a\tb" : { nested: "x\ny" }, empty: null }));
    expect(paged(tablePages(["id", "note", "empty"]), rows, 1000)).toBe(formatTable(rows, ["id", "note", "empty"]));
    expect(paged(tablePages(["id"]), [], 1000)).toBe(formatTable([], ["id"]));
    const wider = paged(tablePages(["id", "note"]), [...rows, { id: "later", note: "a note wider than the column" }], 1000);
    // id is 4 wide (up to 9999) and note 17 (`{"nested":"x\ny"}`): the later row keeps that table's columns.
    expect(wider.split("\n").at(-2)).toBe("lat…  a note wider tha…");
  });

  it("streamed rows of the table format hold at most TABLE_WIDTH_ROWS rows' cells, each at most 61 characters", () => {
    const format = tablePages(["note"], 3);
    expect(format.page([{ note: "x".repeat(100_000) }, { note: "y" }])).toBe("");
    expect(format.page([{ note: "z" }])).toBe(`note\n${"-".repeat(60)}\n${"x".repeat(59)}…\ny\nz\n`);
  });
});

describe("json output streamed a page at a time", () => {
  it("is the bytes of JSON.stringify(rows, null, 2), whatever the pages", () => {
    const rows: Row[] = [
      { id: "a", nested: { list: [1, { deep: [] }], empty: {} }, text: "line\nbreak \u2028 😀" },
      { id: "b", none: null, skipped: undefined },
      { id: "c" },
    ];
    for (const pageSize of [1, 2, 3]) expect(paged(jsonPages<Row>(), rows, pageSize)).toBe(`${JSON.stringify(rows, null, 2)}\n`);
    expect(paged(jsonPages<Row>(), [], 1)).toBe("[]\n");
  });
});
