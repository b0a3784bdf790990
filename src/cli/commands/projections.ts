import { SingleBar, Presets } from "cli-progress";
import { rebuildProjections } from "../../projections/rebuild.js";
import { verifyProjections } from "../../projections/verify.js";
import { lastPosition } from "../../store/checkpoints.js";
import { openForReading } from "../../store/open.js";
import { openStepstore } from "../../stepstore.js";
import { dbPath } from "../db.js";
import { EXIT } from "../errors.js";
import { writeOut } from "../output.js";

export async function rebuildCommand(options: { db?: string }): Promise<number> {
  const store = openStepstore(dbPath(options.db));
  const bar = process.stderr.isTTY ? new SingleBar({ format: "rebuild {bar} {value}/{total} events" }, Presets.shades_classic) : null;
  try {
    bar?.start(lastPosition(store.sqlite), 0);
    const result = rebuildProjections(store.sqlite, store.projections, (folded) => bar?.update(folded));
    bar?.stop();
    await writeOut(`${result.events} events folded in ${result.seconds.toFixed(2)} s\n`);
    return EXIT.ok;
  } finally {
    bar?.stop();
    store.close();
  }
}

export async function verifyCommand(options: { db?: string }): Promise<number> {
  const store = openForReading(dbPath(options.db));
  try {
    const { events, differences } = verifyProjections(store.sqlite);
    if (differences.length === 0) {
      await writeOut(`ok: ${events} events fold to exactly the stored tables\n`);
      return EXIT.ok;
    }
    await writeOut(`${differences.join("\n")}\n`);
    process.stderr.write(`verify: the tables differ from the fold of ${events} events (first ${differences.length} differences above)\n`);
    return EXIT.failure;
  } finally {
    store.close();
  }
}
