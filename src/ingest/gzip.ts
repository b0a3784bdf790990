/**
 * gzip (RFC 1952), read a member at a time. Node's Gunzip reads every member too, but when a member is followed by
 * bytes that are not gzip it fails inside the very call that finished the member, and the text that call had
 * decompressed goes with the error (up to 16 KiB: records neither landed nor counted). Here each member's deflate
 * data goes through zlib's raw inflate, which stops at its end, and what follows is looked at only once every byte
 * before it was handed on. The checks are zlib's: the data's CRC-32 and length from the trailer.
 */
import { crc32, createInflateRaw, type InflateRaw } from "node:zlib";

const MAGIC = Buffer.from([0x1f, 0x8b]);
const DEFLATE = 8;
const FLAG = { headerCrc: 2, extra: 4, name: 8, comment: 16, reserved: 0xe0 } as const;

/** Why the bytes end before a whole gzip stream does, as the document's damage (a rejection's reason). */
class GzipDamage extends Error {}

/** zlib's words for a stream it cannot go on reading: what came before it was read. */
const broken = (what: string) => new GzipDamage(`gzip: ${what}: the records before it were read, what follows could not be decompressed`);
const cutShort = () => broken("unexpected end of file");

/** A stream's bytes, some of them handed back to be read again: what one part of the format did not use. */
function byteSource(input: AsyncIterable<Buffer>) {
  const iterator = input[Symbol.asyncIterator]();
  const unread: Buffer[] = [];
  return {
    async next(): Promise<Buffer | null> {
      if (unread.length > 0) return unread.pop()!;
      const read = await iterator.next();
      return read.done ? null : read.value;
    },
    unread(bytes: Buffer) {
      if (bytes.length > 0) unread.push(bytes);
    },
    /** Stops reading the input (a reader that leaves early closes the file or request). */
    close: async () => void (await iterator.return?.()),
  };
}
type ByteSource = ReturnType<typeof byteSource>;

/** The next `n` bytes, fewer only where the input ends. */
async function take(source: ByteSource, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  for (let chunk; have < n && (chunk = await source.next()) !== null; ) {
    const used = chunk.subarray(0, n - have);
    source.unread(chunk.subarray(used.length));
    parts.push(used);
    have += used.length;
  }
  return Buffer.concat(parts, have);
}

async function skip(source: ByteSource, n: number): Promise<void> {
  if ((await take(source, n)).length < n) throw cutShort();
}

/** Past the next zero byte (the end of a header's file name or comment). */
async function skipPastZero(source: ByteSource): Promise<void> {
  for (let chunk; (chunk = await source.next()) !== null; ) {
    const zero = chunk.indexOf(0);
    if (zero >= 0) return source.unread(chunk.subarray(zero + 1));
  }
  throw cutShort();
}

/** A member's header (RFC 1952 §2.3), read past; a header CRC is skipped, not checked. */
async function readHeader(source: ByteSource): Promise<void> {
  const fixed = await take(source, 10);
  if (fixed.length < 10) throw cutShort();
  if (!fixed.subarray(0, 2).equals(MAGIC)) throw broken("incorrect header check");
  if (fixed[2] !== DEFLATE) throw broken("unknown compression method");
  const flags = fixed[3]!;
  if (flags & FLAG.reserved) throw broken("unknown header flags set");
  if (flags & FLAG.extra) {
    const length = await take(source, 2);
    if (length.length < 2) throw cutShort();
    await skip(source, length.readUInt16LE(0));
  }
  if (flags & FLAG.name) await skipPastZero(source);
  if (flags & FLAG.comment) await skipPastZero(source);
  if (flags & FLAG.headerCrc) await skip(source, 2);
}

/** Resolves once zlib has taken `chunk` (the reader made room for its output), or the inflate is gone (a data error). */
function writeTo(inflate: InflateRaw, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    // zlib destroys the stream on a data error and never calls back the write in flight: its close ends the wait.
    const done = () => (inflate.off("close", done), resolve());
    inflate.once("close", done);
    inflate.write(chunk, done);
  });
}

/**
 * Writes the input to `inflate` a chunk at a time (each write waits for the reader, so memory holds a chunk and
 * zlib's buffer), until the input ends or the deflate data did: zlib then takes less than it was given, and no more
 * is read. What the inflate did not use (the trailer, the next member) is handed back to the source. A failure to
 * read the input fails the inflate with it.
 */
async function feed(source: ByteSource, inflate: InflateRaw): Promise<void> {
  const written: Buffer[] = []; // from the first byte the inflate may not have used yet
  let writtenFrom = 0; // how many bytes the inflate had taken before `written[0]`
  try {
    for (let chunk; !inflate.destroyed && (chunk = await source.next()) !== null; ) {
      written.push(chunk);
      const taken = inflate.bytesWritten;
      await writeTo(inflate, chunk);
      while (written.length > 0 && writtenFrom + written[0]!.length <= inflate.bytesWritten) writtenFrom += written.shift()!.length;
      if (inflate.bytesWritten - taken < chunk.length) break; // the deflate data ended in this chunk
    }
    inflate.end();
  } catch (error) {
    inflate.destroy(error as Error);
  }
  source.unread(Buffer.concat(written).subarray(inflate.bytesWritten - writtenFrom));
}

/** One member's data, decompressed, then checked against its trailer; zlib's failures become damage. */
async function* inflateMember(source: ByteSource): AsyncGenerator<Buffer> {
  const inflate = createInflateRaw();
  const feeding = feed(source, inflate);
  let crc = 0;
  let size = 0;
  try {
    for await (const chunk of inflate as AsyncIterable<Buffer>) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      yield chunk;
    }
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (!code?.startsWith("Z_")) throw error;
    throw broken(message ?? code);
  } finally {
    inflate.destroy();
    await feeding;
  }
  const trailer = await take(source, 8);
  if (trailer.length < 8) throw cutShort();
  if (trailer.readUInt32LE(0) !== crc) throw broken("incorrect data check");
  if (trailer.readUInt32LE(4) !== size % 2 ** 32) throw broken("incorrect length check");
}

/** After a member: another one (true), or the end; bytes that are not gzip are damage, zero padding is not. */
async function anotherMember(source: ByteSource): Promise<boolean> {
  const start = await take(source, 2);
  if (start.length === 0) return false;
  if (start.equals(MAGIC)) return (source.unread(start), true);
  let extra = start.length;
  let zeros = !start.some((byte) => byte !== 0);
  for (let chunk; (chunk = await source.next()) !== null; extra += chunk.length) zeros &&= !chunk.some((byte) => byte !== 0);
  if (zeros) return false;
  throw new GzipDamage(`gzip: ${extra} bytes after the compressed data are not gzip: every record before them was read, those bytes were not`);
}

/**
 * A gzip stream's bytes, decompressed, member after member. Damage (the stream cut short or corrupt, trailing bytes
 * that are not gzip) ends them, its reason kept in `damage`: the records before it are read and land; a failure to
 * read the input itself is thrown.
 */
export async function* gunzip(compressed: AsyncIterable<Buffer>, damage: { reason: string | null }): AsyncGenerator<Buffer> {
  const source = byteSource(compressed);
  try {
    do {
      await readHeader(source);
      yield* inflateMember(source);
    } while (await anotherMember(source));
  } catch (error) {
    if (!(error instanceof GzipDamage)) throw error;
    damage.reason = error.message;
  } finally {
    await source.close();
  }
}
