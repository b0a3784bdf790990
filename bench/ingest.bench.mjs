// Ingest throughput against the raw ceiling, peak RSS at 1x and 4x, and rebuild throughput.
// Standalone: `npm run build && node bench/ingest.bench.mjs`. BENCH_RECORDS (default 200000),
// BENCH_REPEAT (default 1: best of N alternating runs of ceiling and ingest), BENCH_KEEP=1 keeps the files.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runNode } from "./process.mjs";
import { writeWorld } from "./world.mjs";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const BIN = join(ROOT, "bin/stepstore");
const CEILING = join(ROOT, "bench/ceiling.mjs");
const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1);
const work = mkdtempSync(join(tmpdir(), "stepstore-bench-"));
const mb = (bytes) => (bytes / 1e6).toFixed(1);
const rate = (n, s) => Math.round(n / s);
const freshDb = (name) => {
  const path = join(work, `${name}.db`);
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
  return path;
};
function check(result, what) {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr.slice(0, 2000)}`);
  return result;
}
async function ingest(file, name) {
  const run = check(await runNode([BIN, "ingest", "--json", "--db", freshDb(name), file], { cwd: ROOT }), "stepstore ingest");
  return { ...run, summary: JSON.parse(run.stdout) };
}

try {
  const file1 = join(work, "world-1x.jsonl");
  const file4 = join(work, "world-4x.jsonl");
  const world1 = await writeWorld(file1, { seed: 1, records: RECORDS });
  console.log(`world: ${world1.records} records, ${mb(world1.bytes)} MB of JSONL (webhook events of runs, steps and deltas; polled snapshots; redeliveries)`);

  let ceiling = null;
  let stepstore = null;
  for (let i = 0; i < REPEAT; i++) {
    const c = check(await runNode([CEILING, file1, freshDb("ceiling")], { cwd: ROOT }), "ceiling");
    if (!ceiling || c.seconds < ceiling.seconds) ceiling = c;
    const s = await ingest(file1, "stepstore-1x");
    if (!stepstore || s.seconds < stepstore.seconds) stepstore = s;
  }
  const ceilingRate = rate(world1.records, ceiling.seconds);
  const ingestRate = rate(world1.records, stepstore.seconds);
  const ratio = ingestRate / ceilingRate;
  const { summary } = stepstore;
  console.log(`ceiling (better-sqlite3: JSON.parse + keyed insert, 1000 lines/tx, WAL, synchronous=FULL): ${world1.records} records in ${ceiling.seconds.toFixed(2)} s = ${ceilingRate} records/s, peak RSS ${ceiling.peakRssMb.toFixed(0)} MB`);
  console.log(`stepstore ingest: ${summary.records} records (${summary.appended} appended, ${summary.duplicates} duplicates, ${summary.rejected} rejected) in ${stepstore.seconds.toFixed(2)} s = ${ingestRate} records/s, peak RSS ${stepstore.peakRssMb.toFixed(0)} MB`);
  console.log(`ratio ingest/ceiling: ${ratio.toFixed(2)} (target >= 0.33, aim 0.5) ${ratio >= 0.33 ? "ok" : "BELOW TARGET"}`);

  const rebuild = check(await runNode([BIN, "rebuild", "--db", join(work, "stepstore-1x.db")], { cwd: ROOT }), "stepstore rebuild");
  const folded = /(\d+) events folded in ([\d.]+) s/.exec(rebuild.stdout);
  if (folded) {
    const [, events, seconds] = folded;
    console.log(`rebuild: ${events} events folded in ${seconds} s = ${rate(Number(events), Number(seconds))} events/s (whole process ${rebuild.seconds.toFixed(2)} s)`);
  } else console.log(`rebuild: ${rebuild.stdout.trim()} (whole process ${rebuild.seconds.toFixed(2)} s)`);
  rmSync(join(work, "ceiling.db"), { force: true });

  const world4 = await writeWorld(file4, { seed: 1, records: RECORDS * 4 });
  console.log(`world 4x: ${world4.records} records, ${mb(world4.bytes)} MB of JSONL`);
  const large = await ingest(file4, "stepstore-4x");
  console.log(`stepstore ingest 4x: ${large.summary.records} records in ${large.seconds.toFixed(2)} s = ${rate(world4.records, large.seconds)} records/s, peak RSS ${large.peakRssMb.toFixed(0)} MB`);
  const rssRatio = large.peakRssMb / stepstore.peakRssMb;
  console.log(`peak RSS 4x/1x: ${rssRatio.toFixed(2)} (must be <= 1.5) ${rssRatio <= 1.5 ? "ok" : "TOO HIGH"}`);
  console.log(`database sizes: 1x ${mb(statSync(join(work, "stepstore-1x.db")).size)} MB, 4x ${mb(statSync(join(work, "stepstore-4x.db")).size)} MB`);
} finally {
  if (process.env.BENCH_KEEP) console.log(`files kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
