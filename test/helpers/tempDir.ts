import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A new empty folder for one test's files, inside the run's folder (tempRoot.ts) that the run removes at its end. */
export function tempDir(prefix = "stepstore-"): string {
  return mkdtempSync(join(process.env.STEPSTORE_TEST_TMP ?? tmpdir(), prefix));
}
