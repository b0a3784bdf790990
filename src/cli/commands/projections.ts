import { eventCount } from "../../store/checkpoints.js";
import { openStore } from "../../openStore.js";
import { dbPath } from "../db.js";
import { EXIT } from "../errors.js";
import { cliIo, writeOut } from "../io.js";
import { stoppableProgress } from "../progress.js";

export async function rebuildCommand(options: { db?: string }): Promise<number> {
  const store = await openStore(dbPath(options.db), { mode: "write", notify: null });
  const bar = stoppableProgress("rebuild", "events");
  try {
    const total = await eventCount(store.sql);
    // Most often a mistyped --db, which made this store just now: said, as the exit is 0 either way.
    if (total === 0) cliIo().stderr.write(`rebuild: ${store.path} holds no events: there was nothing to refold (check --db if you expected some)\n`);
    await bar.update(0, total);
    const result = await store.rebuild((folded) => bar.update(folded, total));
    bar.stop();
    await writeOut(`${result.events} events folded in ${result.seconds.toFixed(2)} s\n`);
    return EXIT.ok;
  } catch (error) {
    return bar.interrupted("its transaction rolled back: the store is as it was") ?? Promise.reject(error);
  } finally {
    bar.stop();
    await store.close();
  }
}

export async function verifyCommand(options: { db?: string }): Promise<number> {
  const store = await openStore(dbPath(options.db), { mode: "read" });
  const bar = stoppableProgress("verify", "events");
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
  } catch (error) {
    return bar.interrupted("the comparison was not finished (verify only reads: the store is unchanged)") ?? Promise.reject(error);
  } finally {
    bar.stop();
    await store.close();
  }
}
