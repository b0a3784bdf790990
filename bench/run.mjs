// Runs every bench/*.bench.mjs in turn (after `npm run build`), printing each one's output.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
let failed = 0;
for (const file of readdirSync(here).filter((f) => f.endsWith(".bench.mjs")).sort()) {
  console.log(`# ${file}`);
  // Each bench starts on a quiet disk: the previous one's dirty pages would slow this one's fsyncs.
  spawnSync("sync", { stdio: "inherit" });
  const result = spawnSync(process.execPath, [...process.execArgv, join(here, file)], { stdio: "inherit" });
  if (result.status !== 0) {
    console.log(`# ${file} failed (exit ${result.status ?? result.signal})`);
    failed++;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
