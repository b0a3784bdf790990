import { afterAll, describe, expect, it } from "vitest";
import { applyProjections, type Projection } from "../../src/projections/projection.js";
import { dropMadeDatabases, emptySpecDatabase } from "../helpers/storeUnderTest.js";

afterAll(dropMadeDatabases);

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A projection that writes a row into `checkpoints` (a table every store has) after `wait`, or fails after it. */
function projection(name: string, wait: () => Promise<unknown>, fails = false): Projection {
  return {
    name,
    async apply(tx) {
      await wait();
      if (fails) throw new Error(`${name} failed`);
      await tx.write("INSERT INTO checkpoints (name, position) VALUES (?, ?)", [name, 1]);
    },
    truncate: async () => {},
  };
}

describe("projections applied side by side", () => {
  it("given one that fails while another is still writing, the batch fails with that error and nothing of either is kept", async () => {
    const database = await emptySpecDatabase();
    try {
      const failing = projection("failing", () => Promise.resolve(), true);
      // Writes after the failure: were it not waited for, its row would land outside the rolled-back transaction.
      const late = projection("late", tick);
      await expect(database.transaction((tx) => applyProjections(tx, [failing, late], []))).rejects.toThrow("failing failed");
      await tick();
      expect(await database.all("SELECT name FROM checkpoints WHERE name IN ('failing', 'late')")).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it("starts one that builds on changes only after those before it have finished", async () => {
    const database = await emptySpecDatabase();
    try {
      const finished: string[] = [];
      const slow: Projection = { ...projection("slow", tick), apply: async () => void (await tick(), finished.push("slow")) };
      const after: Projection = { ...projection("after", () => Promise.resolve()), buildsOnChanges: true, apply: async () => void finished.push("after") };
      await database.transaction((tx) => applyProjections(tx, [slow, after], []));
      expect(finished).toEqual(["slow", "after"]);
    } finally {
      await database.close();
    }
  });
});
