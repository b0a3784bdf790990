import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gunzip } from "../../src/ingest/gzip.js";
import { rejectionsOf, stepIds, stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { stepLine } from "../helpers/hostile.js";

const TEXT = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ line: i, note: "x".repeat(80) })).join("\n") + "\n";

/** `bytes` in chunks of `size`, as a file or a request body hands them over. */
async function* chunked(bytes: Buffer, size = 4096): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function decompress(bytes: Buffer, size?: number): Promise<{ text: string; damage: string | null }> {
  const damage = { reason: null as string | null };
  const parts: Buffer[] = [];
  for await (const part of gunzip(chunked(bytes, size), damage)) parts.push(part);
  return { text: Buffer.concat(parts).toString("utf8"), damage: damage.reason };
}

describe("gzip read a member at a time", () => {
  it("given a gzip file with bytes after its data that are not gzip, when ingested, then every record lands and the bytes are one rejection naming them", async () => {
    const dir = tempDir();
    const db = tempDb();
    const ids = Array.from({ length: 600 }, (_, i) => `step_Tg${String(i).padStart(4, "0")}`);
    const file = join(dir, "trailing.jsonl.gz");
    // Before: zlib failed in the call that ended the data, and the records that call decompressed were lost, uncounted.
    writeFileSync(file, Buffer.concat([gzipSync(ids.map((id) => stepLine(id)).join("\n") + "\n"), Buffer.from("garbage")]));
    const after = join(dir, "after.jsonl");
    writeFileSync(after, `${stepLine("step_TgAfter")}\n`);

    const ingest = await stepstore(["ingest", "--db", db, "--json", file, after]);
    expect(ingest.code).toBe(3);
    expect(JSON.parse(ingest.stdout)).toEqual({ records: 602, appended: 601, duplicates: 0, rejected: 1 });
    expect(await stepIds(db)).toEqual([...ids, "step_TgAfter"].sort());
    const [rejection] = await rejectionsOf(db);
    expect(rejection).toMatchObject({ origin: file, reason: "gzip: 7 bytes after the compressed data are not gzip: every record before them was read, those bytes were not" });
  });

  it("given several members, zero padding after them, or every optional header field, then the text is whole and nothing is damaged", async () => {
    const members = Buffer.concat([gzipSync(TEXT.slice(0, 1000)), gzipSync(""), gzipSync(TEXT.slice(1000))]);
    const plain = gzipSync(TEXT);
    // FEXTRA (3 bytes), FNAME, FCOMMENT and FHCRC, as RFC 1952 §2.3 lays them out after the fixed ten bytes.
    const header = Buffer.from(plain.subarray(0, 10));
    header[3] = 2 | 4 | 8 | 16;
    const fields = Buffer.concat([header, Buffer.from([3, 0, 1, 2, 3]), Buffer.from("steps.jsonl\0a comment\0"), Buffer.from([0x12, 0x34]), plain.subarray(10)]);
    for (const bytes of [members, Buffer.concat([plain, Buffer.alloc(512)]), fields]) {
      for (const size of [1, 4096, 1 << 20]) expect(await decompress(bytes, size)).toEqual({ text: TEXT, damage: null });
    }
  });

  it("given a stream cut short, or a checksum or length that does not match, then what came before is handed on and the damage named", async () => {
    const whole = gzipSync(TEXT);
    const cut = await decompress(whole.subarray(0, whole.length - 40));
    expect(TEXT.startsWith(cut.text) && cut.text.length > TEXT.length / 2).toBe(true);
    expect(cut.damage).toBe("gzip: unexpected end of file: the records before it were read, what follows could not be decompressed");
    for (const [at, check] of [[8, "data"], [2, "length"]] as const) {
      const flipped = Buffer.from(whole);
      flipped[flipped.length - at]! ^= 0xff;
      expect(await decompress(flipped)).toEqual({ text: TEXT, damage: `gzip: incorrect ${check} check: the records before it were read, what follows could not be decompressed` });
    }
    expect((await decompress(Buffer.from([0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 0]))).damage).toMatch(/^gzip: unknown compression method/);
  });

  it("given deflate data zlib cannot read (bytes flipped near its start), then the damage is named and the input closed, with no wait for ever", async () => {
    const damaged = Buffer.from(gzipSync(TEXT));
    for (const at of [20, 21, 22]) damaged[at]! ^= 0xff;
    let closed = false;
    async function* input() {
      try {
        yield* chunked(damaged);
      } finally {
        closed = true;
      }
    }
    const damage = { reason: null as string | null };
    // Before: zlib never called back the write it failed in, and the read waited on it for ever.
    for await (const part of gunzip(input(), damage)) expect(part.length).toBeGreaterThanOrEqual(0);
    expect(damage.reason).toMatch(/^gzip: invalid .*: the records before it were read, what follows could not be decompressed$/);
    expect(closed).toBe(true);
  });

  it("given a small member before a large one, the large one is not read ahead while the small one's text is taken slowly", async () => {
    const members = Buffer.concat([gzipSync("a".repeat(200_000)), gzipSync(TEXT.repeat(20))]);
    let handed = 0;
    let readWhileSlow = 0;
    let taken = 0;
    async function* input() {
      for await (const chunk of chunked(members, 16_384)) yield ((handed += chunk.length), chunk);
    }
    for await (const part of gunzip(input(), { reason: null })) {
      taken += part.length;
      if (taken > 200_000) continue;
      await new Promise((resolve) => setTimeout(resolve, 2));
      readWhileSlow = Math.max(readWhileSlow, handed);
    }
    expect(taken).toBe(200_000 + TEXT.length * 20);
    // The first member and the chunk after it at most (before: megabytes of the next member, while zlib ignored them).
    expect(readWhileSlow).toBeLessThanOrEqual(2 * 16_384);
  });

  it("given a reader that stops early, then the input is closed, not read to its end", async () => {
    let closed = false;
    let handed = 0;
    const whole = gzipSync(TEXT);
    async function* input() {
      try {
        for await (const chunk of chunked(whole, 256)) yield (handed++, chunk);
      } finally {
        closed = true;
      }
    }
    for await (const part of gunzip(input(), { reason: null })) if (part.length > 0) break;
    expect(closed).toBe(true);
    expect(handed).toBeLessThan(Math.ceil(whole.length / 256));
  });
});
