import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BIN, EXAMPLES, stepstore, tempDb } from "../helpers/cli.js";

const run = promisify(execFile);
const SCRIPT = "/usr/bin/script";

/** Runs the CLI with a terminal for its stdin, stdout and stderr (util-linux `script`); what the terminal showed, escapes removed. */
async function onTerminal(args: string[]): Promise<string> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(" ");
  const { stdout } = await run(SCRIPT, ["-qec", command, "/dev/null"]);
  return stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, "");
}

describe.skipIf(!existsSync(SCRIPT))("progress of rebuild and verify (CONTRACT §8)", () => {
  it("on a terminal they show events done of all, the rate and the ETA; off one, nothing but their result", async () => {
    const db = tempDb();
    expect((await stepstore(["ingest", "--db", db, join(EXAMPLES, "relayed-events.jsonl")])).code).toBe(0);
    for (const command of ["rebuild", "verify"]) {
      const shown = await onTerminal([command, "--db", db]);
      expect(shown).toMatch(new RegExp(`${command} .*\\b(\\d+)/\\1 events \\| \\d+ events/s \\| ETA \\d+s`));
      const piped = await stepstore([command, "--db", db]);
      expect(piped.stderr).toBe("");
      expect(piped.code).toBe(0);
    }
  });
});
