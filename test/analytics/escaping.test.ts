import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stepstore, tempDir } from "../helpers/cli.js";
import { stepLine } from "../helpers/hostile.js";

/** Keys a spreadsheet would run as formulas, or a Markdown viewer would read as table or HTML. */
const KEYS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "<img src=x onerror=alert(1)>|a&b", "asst_plain"];

const NAME = "<script>alert('name')</script> & co";

let db: string;
beforeAll(async () => {
  const dir = tempDir();
  db = join(dir, "store.db");
  const file = join(dir, "steps.jsonl");
  // asst_plain's record names it with markup: the HTML report shows the name as text.
  const named = JSON.stringify({ id: "asst_plain", object: "assistant", created_at: 1755180000, name: NAME, model: "gpt-4o" });
  writeFileSync(file, [named, ...KEYS.map((key, i) => stepLine(`step_Esc${i}`, { assistant_id: key }))].join("\n") + "\n");
  expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);
});

const report = (format: string) => stepstore(["report", "--db", db, "--by", "assistant", "--format", format]);

describe("report cells from user data are inert", () => {
  it("CSV: a text cell beginning with = + - @ tab or CR is prefixed with ' (OWASP)", async () => {
    const { stdout } = await report("csv");
    for (const key of KEYS.slice(0, 6)) expect(stdout).toContain(`'${key.replace(/"/g, '""')}`);
    expect(stdout).toMatch(/^asst_plain,/m);
  });

  it("Markdown: | and HTML are escaped, so the row stays one row of plain text", async () => {
    const { stdout } = await report("md");
    const row = stdout.split("\n").find((line) => line.includes("onerror"))!;
    // A backslash before < and & makes each a character a viewer shows, not a tag or an entity.
    expect(row).toContain("\\<img src\\=x onerror\\=alert\\(1\\)\\>\\|a\\&b");
    expect(row.split(/(?<!\\)\|/).length).toBe(17);
  });
});

describe("the HTML report shows keys and assistant names from user data as text", () => {
  it("escapes markup in keys and names, in the table and the charts", async () => {
    const { stdout, code } = await report("html");
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/<script|<img/i);
    expect(stdout).toContain("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; &amp; co");
    expect(stdout).toContain("&lt;img src=x onerror=alert(1)&gt;|a&amp;b");
  });
});
