import { describe, expect, it } from "vitest";
import { createRecordSink, recordsOfBodyText, recordsOfResponse } from "../../src/ingest/poll/index.js";
import type { RejectedRecord } from "../../src/records/classify.js";
import type { Append } from "../../src/store/append.js";
import { openStoreUnderTest } from "../helpers/storeUnderTest.js";
import { exampleExport } from "./fixtures.js";

const URL = "http://127.0.0.1/v1/threads/t/runs/r/steps?limit=100&order=asc";
const { steps } = exampleExport();

/** A real store whose append is awaited as an asynchronous store's would be, counting each transaction's records. */
async function storeWithAppend() {
  const store = await openStoreUnderTest();
  const transactions: number[] = [];
  const append: Append = async (late) => {
    const batch = typeof late === "function" ? late() : late;
    transactions.push(batch.accepted.length + batch.rejected.length);
    return store.append(batch);
  };
  return { store, append, transactions };
}

describe("the poll's record sink", () => {
  it("keeps and names an invalid snapshot met unchanged in two rounds once, and counts it once", async () => {
    const { store, append } = await storeWithAppend();
    const named: RejectedRecord[] = [];
    const sink = createRecordSink(append, { onRejected: (r) => named.push(r) });
    for (let round = 0; round < 2; round++) {
      await sink.stage([...recordsOfBodyText("{\"object\": \"thread.run\",", URL), ...recordsOfResponse({ object: "list", data: steps }, URL)]);
      await sink.flush();
    }
    expect(sink.totals()).toEqual({ records: 1 + 2 * steps.length, appended: steps.length, duplicates: steps.length, rejected: 1 });
    expect(named).toHaveLength(1);
    expect(await store.sql.get("SELECT count(*) AS n FROM rejections")).toEqual({ n: 1 });
    await store.close();
  });

  it("commits staged pages together once the oldest has waited batchDelayMs, and not before", async () => {
    const { store, append, transactions } = await storeWithAppend();
    const committed = new Promise<void>((resolve) => {
      const sink = createRecordSink(append, { batchDelayMs: 50, onCommit: () => resolve() });
      void sink.stage(recordsOfResponse({ object: "list", data: steps.slice(0, 1) }, URL));
      void sink.stage(recordsOfResponse({ object: "list", data: steps.slice(1) }, `${URL}&after=x`));
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(transactions).toEqual([]);
    await committed;
    expect(transactions).toEqual([steps.length]);
    await store.close();
  });

  it("commits at batchRecords at once, a transaction holding no more than batchRecords", async () => {
    const { store, append, transactions } = await storeWithAppend();
    const sink = createRecordSink(append, { batchRecords: 2, batchDelayMs: 60_000 });
    const page = (i: number) => recordsOfResponse({ object: "list", data: [{ ...steps[0]!, id: `step_${i}` }] }, URL);
    await sink.stage(page(1));
    expect(transactions).toEqual([]);
    await sink.stage([...page(2), ...page(3), ...page(4)]);
    expect(transactions).toEqual([2, 2]);
    expect(sink.totals().appended).toBe(4);
    await sink.flush();
    await store.close();
  });
});
