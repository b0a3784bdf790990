import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Vitest's global setup: one folder for the whole run, under which every test's folder is made (tempDir.ts), removed
 * when the run ends. Each test's folders used to stay: ~560 MB of stores in the system's temporary folder a run.
 * Each project runs this once; the first makes the folder (the workers inherit the variable) and removes it.
 */
export default function setup(): (() => void) | undefined {
  if (process.env.STEPSTORE_TEST_TMP !== undefined) return undefined;
  const root = mkdtempSync(join(tmpdir(), "stepstore-tests-"));
  // Passable, not listable, by other users: tests run commands as another user (readOnly.test.ts, unreadable.test.ts).
  chmodSync(root, 0o711);
  process.env.STEPSTORE_TEST_TMP = root;
  return () => rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}
