import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { stepLine } from "../helpers/hostile.js";

describe("a broken item of a .json array is placed by the file's lines, where its reader looks", () => {
  it("given a pretty-printed array and a minified one, then each syntax error names the file's line and column, not the item's", async () => {
    const dir = tempDir();
    const pretty = join(dir, "pretty.json");
    // Line 6: the doubled comma at column 21. Line 7: the `}` after `1,` at column 25, é counted as one character (two bytes).
    writeFileSync(pretty, `[\n  ${stepLine("step_Placed1")},\n  {\n    "id": "step_A2",\n    "x": 1,\n    "id": "step_A2",,\n    "k": "é" }, {"b": 1,}\n]\n`);
    const minified = join(dir, "minified.json");
    writeFileSync(minified, `[${stepLine("step_Placed2")},{"y":,2}]`);
    const result = await stepstore(["ingest", "--db", tempDb(), pretty, minified]);
    expect(result.stderr.split("\n").filter((line) => line.includes("invalid JSON"))).toEqual([
      `${pretty}:$[1]: invalid JSON: Expected double-quoted property name at line 6, column 21`,
      `${pretty}:$[2]: invalid JSON: Expected double-quoted property name at line 7, column 25`,
      `${minified}:$[1]: invalid JSON: Unexpected token , at line 1, column ${stepLine("step_Placed2").length + 8}`,
    ]);
  });

  it("given a broken item past many read chunks (a 2 MB array), then its line and column are still the file's", async () => {
    const file = join(tempDir(), "large.json");
    const items = Array.from({ length: 4_000 }, (_, i) => JSON.stringify(JSON.parse(stepLine(`step_Large${i}`)), null, 2));
    const before = `[\n${items.join(",\n")},\n  {"é": 1,, "x": 2}`;
    writeFileSync(file, `${before}\n]\n`);
    const lines = before.split("\n");
    const result = await stepstore(["ingest", "--db", tempDb(), file]);
    expect(result.stderr).toBe(`${file}:$[4000]: invalid JSON: Expected double-quoted property name at line ${lines.length}, column ${lines.at(-1)!.indexOf(",,") + 2}\n`);
  });
});
