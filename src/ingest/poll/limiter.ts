import { setMaxListeners } from "node:events";

/** Work given a slot and a signal of its own. */
export type Limited = <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/** At most `slots` pieces of work at once; the others wait their turn in order. */
function createSlots(slots: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active < slots) active += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // the slot is handed over, not freed
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

/**
 * At most `slots` listings in flight, each stopped when `halt` aborts. The SDK adds an abort listener
 * to a request's signal for every request and page and never removes it: each listing gets a signal
 * of its own that follows `halt` and lives only as long as the listing.
 */
export function createLimiter(slots: number, halt: AbortSignal): Limited {
  const inSlot = createSlots(slots);
  return (work) =>
    inSlot(async () => {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const abort = () => controller.abort();
      if (halt.aborted) abort();
      halt.addEventListener("abort", abort, { once: true });
      try {
        return await work(controller.signal);
      } finally {
        halt.removeEventListener("abort", abort);
      }
    });
}
