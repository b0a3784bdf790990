// Runs a command as a whole process, timing it and reading its peak RSS (see peakRss.mjs).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PEAK_RSS = new URL("./peakRss.mjs", import.meta.url).href;

/** Runs `node --import peakRss.mjs ...args`; resolves to {code, stdout, stderr, seconds, peakRssMb}. */
export function runNode(args, { cwd } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "stepstore-rss-"));
  const rssFile = join(dir, "rss");
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ["--import", PEAK_RSS, ...args], { cwd, env: { ...process.env, PEAK_RSS_FILE: rssFile }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      let peakRssMb = NaN;
      try {
        peakRssMb = Number(readFileSync(rssFile, "utf8")) / 1024;
      } catch {}
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, seconds, peakRssMb });
    });
  });
}
