import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { linesOf } from "../../src/ingest/lines.js";

async function split(text: string, cuts: number[], maxBytes?: number) {
  const bytes = Buffer.from(text);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks = [0, ...at, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end));
  const lines = [];
  for await (const line of linesOf((async function* () { yield* chunks; })(), maxBytes)) lines.push(line);
  return lines;
}

const expected = (text: string) => {
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  if (text === "" || text.endsWith("\n")) lines.pop();
  return lines;
};

describe("linesOf", () => {
  it("gives the same lines however the bytes are cut into chunks (multi-byte characters and CRLF included)", async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: fc.constantFrom("a", "é", "😀", "\n", "\r\n", "x") }), fc.array(fc.nat()), async (text, cuts) => {
      expect((await split(text, cuts)).map((l) => [l.line, l.number])).toEqual(expected(text).map((line, i) => [line, i + 1]));
    }));
  });

  it("a line over the limit comes out as one oversized line, the lines around it whole, whatever the chunking", async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 11, max: 200 }), fc.array(fc.nat()), async (long, cuts) => {
      const lines = await split(`short\n${"y".repeat(long)}\nafter`, cuts, 10);
      expect(lines.map((l) => l.line ?? `over ${l.oversized!.bytes}`)).toEqual(["short", `over ${long}`, "after"]);
    }));
  });
});
