import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLES, runCli, stepstore, tempDb } from "../helpers/cli.js";

describe("the CLI run in-process is the binary", () => {
  it("given the same command lines, then in-process and the real binary give the same exit code, stdout and stderr", async () => {
    // Each way on its own store, each in the same state at each line; the store's path is the one difference.
    const lines = (db: string) => [
      ["--version"],
      ["--help"],
      ["ingest", "--help"],
      ["no-such-command"],
      ["steps", "--format", "yaml", "--db", db],
      ["steps", "--db", db],
      ["ingest", "--db", db, join(EXAMPLES, "relayed-events.jsonl")],
      ["ingest", "--db", db, "--json", join(EXAMPLES, "relayed-events.jsonl")],
      ["events", "--db", db, "--step", "step_none", "--run", "run_none"],
      ["steps", "--db", db, "--format", "table"],
      ["rebuild", "--db", db],
      ["verify", "--db", db],
    ];
    const [inProcessDb, binaryDb] = [tempDb(), tempDb()];
    const [inProcessLines, binaryLines] = [lines(inProcessDb), lines(binaryDb)];
    for (const [i, args] of inProcessLines.entries()) {
      const inProcess = await stepstore(args);
      const binary = await stepstore(binaryLines[i]!, { subprocess: true });
      const same = (text: string, db: string) => text.replaceAll(db, "DB").replace(/ in \d+\.\d+ s\n$/, " in … s\n");
      expect({ ...inProcess, stdout: same(inProcess.stdout, inProcessDb), stderr: same(inProcess.stderr, inProcessDb) }, args.join(" "))
        .toEqual({ ...binary, stdout: same(binary.stdout, binaryDb), stderr: same(binary.stderr, binaryDb) });
    }
  });

  it("given two runs at once, then each gets its own output and exit code", async () => {
    const db = tempDb();
    expect((await stepstore(["ingest", "--db", db, join(EXAMPLES, "relayed-events.jsonl")])).code).toBe(0);
    const [steps, missing] = await Promise.all([runCli(["steps", "--db", db, "--format", "table"]), runCli(["steps", "--db", `${db}.missing`])]);
    expect(steps).toEqual({ code: 0, stdout: (await stepstore(["steps", "--db", db, "--format", "table"], { subprocess: true })).stdout, stderr: "" });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toContain(`${db}.missing`); // named, as the store it is (a file, or a database that does not exist)
  });
});
