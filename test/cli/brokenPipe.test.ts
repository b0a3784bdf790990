import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnStepstore, stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { stepLine } from "../helpers/hostile.js";

describe("output to a reader that stops early (`stepstore steps | head -1`)", () => {
  it("stops quietly with exit 0 once the pipe closes, instead of a stack trace and exit 1", async () => {
    const db = tempDb();
    const file = join(tempDir(), "steps.jsonl");
    // ~400 KB of rows: more than a pipe holds, so the writer meets the closed pipe.
    writeFileSync(file, Array.from({ length: 600 }, (_, i) => stepLine(`step_${String(i).padStart(4, "0")}`)).join("\n") + "\n");
    expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);

    const { child, done } = spawnStepstore(["steps", "--db", db]);
    child.stdout.once("data", () => child.stdout.destroy());
    const result = await done;
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("a usage error whose reader is gone (`stepstore steps --bogus 2>&1 | head -c0`) still exits 2, not 1", async () => {
    const { child, done } = spawnStepstore(["steps", "--bogus", "--db", tempDb()]);
    child.stderr.destroy(); // closed before the message is written: writing it meets the closed pipe
    const result = await done;
    expect(result.code).toBe(2);
  });
});
