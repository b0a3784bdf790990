import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { linesOf, loneCrAsNewline } from "../../src/ingest/lines.js";
import { invalidUtf8At } from "../../src/records/utf8.js";

/** The bytes of `text` cut at `cuts` (modulo its length), as a chunk stream. */
function chunked(text: string | Buffer, cuts: number[]) {
  const bytes = Buffer.from(text);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks = [0, ...at, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end));
  return (async function* () { yield* chunks; })();
}

async function split(text: string | Buffer, cuts: number[], maxBytes?: number) {
  const lines = [];
  for await (const line of linesOf(chunked(text, cuts), maxBytes)) lines.push(line);
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

// Bytes that are often not UTF-8: stray continuations, lone leads, overlongs, encoded surrogates, and some text.
const hostileBytes = fc.array(fc.oneof(
  fc.constantFrom([0x0a], [0x0d, 0x0a], [0x61], [0xc3, 0xa9], [0xf0, 0x9f, 0x98, 0x80], [0xe9], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff]),
  fc.integer({ min: 0, max: 255 }).map((byte) => [byte]),
)).map((parts) => Buffer.from(parts.flat()));

describe("loneCrAsNewline (SSE's line ends)", () => {
  it("ends a line at \\r\\n, \\n or a lone \\r, numbering the lines a lone \\r ended, however the bytes are cut", async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: fc.constantFrom("a", "é", "\n", "\r\n", "\r", "x") }), fc.array(fc.nat()), async (text, cuts) => {
      const lone = new Set<number>();
      const lines = [];
      for await (const line of linesOf(loneCrAsNewline(chunked(text, cuts), lone))) lines.push([line.line, line.number, line.cr]);
      const ends = [...text.matchAll(/\r\n|\r|\n/g)].map((m) => m[0]);
      const want = text.split(/\r\n|\r|\n/);
      if (text === "" || ends.length === want.length - 1 && want[want.length - 1] === "") want.pop();
      expect(lines).toEqual(want.map((line, i) => [line, i + 1, ends[i] === "\r\n"]));
      expect([...lone].sort((a, b) => a - b)).toEqual(ends.flatMap((end, i) => (end === "\r" ? [i + 1] : [])));
    }));
  });
});

describe("invalid UTF-8", () => {
  it("invalidUtf8At finds a fault exactly when isUtf8 does, and everything before it is UTF-8", () => {
    fc.assert(fc.property(hostileBytes, (bytes) => {
      const at = invalidUtf8At(bytes);
      expect(at === null).toBe(isUtf8(bytes));
      if (at !== null) expect(isUtf8(bytes.subarray(0, at)) && at < bytes.length).toBe(true);
    }));
  });

  it("linesOf keeps a line that is not UTF-8 as its exact bytes, the others as text, whatever the chunking", async () => {
    await fc.assert(fc.asyncProperty(hostileBytes, fc.array(fc.nat()), async (bytes, cuts) => {
      const lines = (await split(bytes, cuts)).map((l) => (l.invalid ? { bytes: [...l.invalid], at: l.at } : l.line));
      const want = [];
      for (let start = 0; start < bytes.length;) {
        const end = bytes.indexOf(0x0a, start) === -1 ? bytes.length : bytes.indexOf(0x0a, start);
        const line = bytes.subarray(start, bytes[end - 1] === 0x0d && end > start ? end - 1 : end);
        want.push(isUtf8(line) ? line.toString() : { bytes: [...line], at: invalidUtf8At(line) });
        start = end + 1;
      }
      expect(lines).toEqual(want);
    }));
  });
});
