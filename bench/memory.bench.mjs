// Peak RSS of `verify` and `rebuild` on a 1x and a 4x log: both must stay flat as the log grows.
// Standalone: `npm run build && node bench/memory.bench.mjs`. BENCH_RECORDS (default 50000: the 1x world),
// BENCH_BIN (default bin/stepstore: another build to compare with), BENCH_KEEP=1 keeps the files.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runNode } from "./process.mjs";
import { writeWorld } from "./world.mjs";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const BIN = process.env.BENCH_BIN ?? join(ROOT, "bin/stepstore");
const RECORDS = Number(process.env.BENCH_RECORDS ?? 50_000);
const TARGET = 1.3;
const work = mkdtempSync(join(tmpdir(), "stepstore-memory-bench-"));

async function stepstore(args) {
  const result = await runNode([BIN, ...args], { cwd: ROOT });
  // verify exits 1 when it finds differences: that is a failed bench too.
  if (result.code !== 0) throw new Error(`stepstore ${args[0]} exited ${result.code}: ${result.stderr.slice(0, 2000)}`);
  return result;
}

/** Ingests a world of `records` records, then measures verify and rebuild on it. */
async function measure(scale) {
  const file = join(work, `world-${scale}x.jsonl`);
  const db = join(work, `store-${scale}x.db`);
  const world = await writeWorld(file, { seed: 1, records: RECORDS * scale });
  await stepstore(["ingest", "--db", db, file]);
  rmSync(file);
  const verify = await stepstore(["verify", "--db", db]);
  const rebuild = await stepstore(["rebuild", "--db", db]);
  for (const [name, run] of [["verify", verify], ["rebuild", rebuild]]) {
    console.log(`${name} ${scale}x (${world.records} records): ${run.seconds.toFixed(2)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB`);
  }
  return { verify, rebuild };
}

try {
  const one = await measure(1);
  const four = await measure(4);
  for (const name of ["verify", "rebuild"]) {
    const ratio = four[name].peakRssMb / one[name].peakRssMb;
    console.log(`${name} peak RSS 4x/1x: ${ratio.toFixed(2)} (target <= ${TARGET}) ${ratio <= TARGET ? "ok" : "TOO HIGH"}`);
  }
} finally {
  if (process.env.BENCH_KEEP) console.log(`files kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
