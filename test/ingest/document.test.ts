import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { openDocument } from "../../src/ingest/document.js";

/** A source that hands over `bytes`, then fails as a body over its limit or a client gone does. */
async function* failingAfter(bytes: Buffer, error: Error): AsyncGenerator<Buffer> {
  yield bytes;
  throw error;
}

const read = async (chunks: AsyncIterable<Buffer>) => {
  let length = 0;
  for await (const chunk of chunks) length += chunk.length;
  return length;
};

describe("a gzip document", () => {
  const lines = gzipSync(Array.from({ length: 2000 }, (_, i) => `{"line":${i}}`).join("\n"));

  it("whose source fails while it is read hands that error to its reader (a pipe left it unhandled, and the reader waiting)", async () => {
    const tooLarge = Object.assign(new Error("body over STEPSTORE_MAX_INGEST_BODY"), { code: "BODY_TOO_LARGE" });
    // Opening reads the first 64 KiB (the document's identity), so the failure may come there or later.
    const opened = async () => read((await openDocument(failingAfter(lines.subarray(0, 100), tooLarge), "POST /v1/ingest", "jsonl")).chunks);
    await expect(opened()).rejects.toBe(tooLarge);
  });

  it("cut short ends its bytes where zlib stopped, the damage kept for its reader to report", async () => {
    const doc = await openDocument((async function* () { yield lines.subarray(0, lines.length - 20); })(), "cut.jsonl.gz", "jsonl");
    expect(await read(doc.chunks)).toBeGreaterThan(0);
    expect(doc.damage()).toMatch(/^gzip: unexpected end of file: the records before it were read/);
  });

  it("whole, reads to its end with no damage", async () => {
    const doc = await openDocument((async function* () { yield lines; })(), "whole.jsonl.gz", "jsonl");
    expect(await read(doc.chunks)).toBe(Array.from({ length: 2000 }, (_, i) => `{"line":${i}}`).join("\n").length);
    expect(doc.damage()).toBeNull();
  });
});
