import { eventCount } from "../../store/checkpoints.js";
import { openStore } from "../../openStore.js";
import { dbPath } from "../db.js";
import { EXIT } from "../errors.js";
import { cliIo, writeOut } from "../io.js";
import { progressBar } from "../progress.js";

export async function rebuildCommand(options: { db?: string }): Promise<number> {
  const store = await openStore(dbPath(options.db), { mode: "write", notify: null });
  const bar = progressBar("rebuild", "events");
  try {
    const total = await eventCount(store.sql);
    bar.update(0, total);
    const result = await store.rebuild((folded) => bar.update(folded, total));
    bar.stop();
    await writeOut(`${result.events} events folded in ${result.seconds.toFixed(2)} s\n`);
    return EXIT.ok;
  } finally {
    bar.stop();
    await store.close();
  }
}

export async function verifyCommand(options: { db?: string }): Promise<number> {
  const store = await openStore(dbPath(options.db), { mode: "read" });
  const bar = progressBar("verify", "events");
  try {
    const checking = () => bar.note(store.dialect === "sqlite" ? "verify: checking the file (PRAGMA integrity_check)" : "verify: comparing the tables");
    const report = await store.verify({ checking, update: bar.update });
    bar.stop();
    if (report.damage) {
      cliIo().stderr.write(`verify: ${store.path} is damaged (PRAGMA integrity_check):\n${report.damage.map((line) => `  ${line}\n`).join("")}`);
      return EXIT.failure;
    }
    const { events, differences } = report;
    if (differences.length === 0) {
      await writeOut(`ok: ${events} events fold to exactly the stored tables\n`);
      return EXIT.ok;
    }
    await writeOut(`${differences.join("\n")}\n`);
    cliIo().stderr.write(`verify: the tables differ from the fold of ${events} events (first ${differences.length} differences above)\n`);
    return EXIT.failure;
  } finally {
    bar.stop();
    await store.close();
  }
}
