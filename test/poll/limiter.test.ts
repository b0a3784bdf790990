import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { createLimiter } from "../../src/ingest/poll/limiter.js";

const later = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("the poll's limiter", () => {
  it("runs at most its slots at once, the others starting in the order they came", async () => {
    const limited = createLimiter(2, new AbortController().signal);
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    await Promise.all(Array.from({ length: 6 }, (_, i) => limited(async () => {
      started.push(i);
      most = Math.max(most, ++inFlight);
      await later();
      inFlight -= 1;
    })));
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("aborts the signal of every listing in flight when halted, and leaves no listener behind once they end", async () => {
    const halt = new AbortController();
    const limited = createLimiter(4, halt.signal);
    const aborted = Array.from({ length: 3 }, () => limited((signal) => new Promise<boolean>((resolve) => signal.addEventListener("abort", () => resolve(true)))));
    await later();
    expect(getEventListeners(halt.signal, "abort")).toHaveLength(3);
    halt.abort();
    expect(await Promise.all(aborted)).toEqual([true, true, true]);
    expect(getEventListeners(halt.signal, "abort")).toHaveLength(0);
    expect(await limited(async (signal) => signal.aborted)).toBe(true);
  });
});
