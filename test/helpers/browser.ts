import { accessSync, constants, statSync } from "node:fs";

/** Where Debian, Ubuntu and Google put a Chromium; `CHROMIUM_PATH` comes first. */
const USUAL_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome-stable", "/usr/bin/google-chrome", "/snap/bin/chromium"];

/** An executable file: a path that exists but is no browser (a /dev/null bound over it, a folder) does not count. */
function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Set by `.ci/run`: there a missing browser fails the suite instead of skipping its browser tests. */
const REQUIRED = process.env.STEPSTORE_REQUIRE_BROWSER === "1";

function findChromium(): { path: string } | { missing: string } {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return isExecutable(configured) ? { path: configured } : { missing: `CHROMIUM_PATH=${configured} is not an executable file` };
  const found = USUAL_PATHS.find(isExecutable);
  return found ? { path: found } : { missing: `no Chromium found (set CHROMIUM_PATH, or install Debian's chromium; looked in ${USUAL_PATHS.join(", ")})` };
}

const found = findChromium();

/** The Chromium to drive, or null when there is none (browser tests are then skipped, with `browserMissing` saying why). */
export const CHROMIUM: string | null = "path" in found ? found.path : null;
export const browserMissing: string | null = "missing" in found ? found.missing : null;

if (browserMissing !== null) {
  if (REQUIRED) throw new Error(`browser tests must run here (STEPSTORE_REQUIRE_BROWSER=1), but ${browserMissing}`);
  process.stderr.write(`browser tests skipped: ${browserMissing}\n`);
}

/** Headless, with nothing that calls home on its own. */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
