import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect, it } from "vitest";
import { untilAborted } from "../../src/cli/interrupt.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

async function* records(count: number, made: WeakRef<object>[]) {
  for (let i = 0; i < count; i++) {
    const record = { data: "x".repeat(100) + i };
    made.push(new WeakRef(record));
    yield record;
  }
}

it("holds no item it has handed on while the stop signal is still to come (ingest's memory stays flat)", async () => {
  const stop = new AbortController(); // alive throughout, as a command's stop signal is
  const made: WeakRef<object>[] = [];
  let seen = 0;
  for await (const record of untilAborted(records(2000, made), stop.signal)) seen += record ? 1 : 0;
  expect(seen).toBe(2000);
  await new Promise((resolve) => setTimeout(resolve, 0)); // WeakRefs are kept for the job that made them
  gc();
  // A Promise.race against the signal's one promise kept every item reachable from it.
  expect(made.filter((ref) => ref.deref() !== undefined).length).toBeLessThan(10);
  expect(stop.signal.aborted).toBe(false);
});

it("still ends at once when the signal comes with a read in flight", async () => {
  const stop = new AbortController();
  async function* stalled() {
    yield 1;
    await new Promise(() => {}); // a read that never ends (stdin waiting for a line)
  }
  const got: number[] = [];
  setTimeout(() => stop.abort(), 20);
  for await (const item of untilAborted(stalled(), stop.signal)) got.push(item);
  expect(got).toEqual([1]);
});
