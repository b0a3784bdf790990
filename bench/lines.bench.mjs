// Hostile input: line splitting time for one 16 MB and one 128 MB line (fed in 16 KiB chunks, as gzip
// gives them), whose ratio must stay near 8 (linear, not quadratic), and `stepstore ingest` of a 2 MB
// gzip that inflates to 2 GiB without a newline: one rejection, its seconds and peak RSS.
// Usage: node bench/lines.bench.mjs (after `npm run build`)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { linesOf } from "../dist/ingest/lines.js";
import { runNode } from "./process.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MB = 1e6;
const CHUNK = Buffer.alloc(16 * 1024, "a");

/** One line of `bytes` bytes then `\n`, in 16 KiB chunks. */
async function* oneLine(bytes) {
  for (let sent = 0; sent < bytes; sent += CHUNK.length) yield CHUNK.subarray(0, Math.min(CHUNK.length, bytes - sent));
  yield Buffer.from("\n");
}

async function splitSeconds(bytes) {
  const started = process.hrtime.bigint();
  let length = 0;
  for await (const { line } of linesOf(oneLine(bytes))) length += line.length;
  if (length !== bytes) throw new Error(`split ${length} bytes, expected ${bytes}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const small = await splitSeconds(16 * MB);
const large = await splitSeconds(128 * MB);
const ratio = large / small;
console.log(`split one 16 MB line:  ${small.toFixed(3)} s (${(16 / small).toFixed(0)} MB/s)`);
console.log(`split one 128 MB line: ${large.toFixed(3)} s (${(128 / large).toFixed(0)} MB/s)`);
console.log(`ratio ${ratio.toFixed(1)} for 8x the bytes (limit 10): ${ratio <= 10 ? "ok" : "QUADRATIC"}`);

// The bomb: 32 gzip members of 64 MiB of `a` each (a valid multi-member gzip), ~2 MB on disk.
const dir = mkdtempSync(join(tmpdir(), "stepstore-bomb-"));
const member = gzipSync(Buffer.alloc(64 * 1024 * 1024, "a"), { level: 9 });
const bomb = join(dir, "bomb.jsonl.gz");
writeFileSync(bomb, Buffer.concat(Array.from({ length: 32 }, () => member)));
const run = await runNode([join(ROOT, "bin/stepstore"), "ingest", "--json", "--db", join(dir, "store.db"), bomb], { cwd: ROOT });
rmSync(dir, { recursive: true, force: true });
console.log(`gzip bomb ${(member.length * 32 / MB).toFixed(1)} MB -> 2 GiB, no newline: exit ${run.code}, ${run.seconds.toFixed(1)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB, ${run.stdout.trim()}`);
if (ratio > 10 || run.code !== 3) process.exitCode = 1;
