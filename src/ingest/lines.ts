import { StringDecoder } from "node:string_decoder";

/** Splits a byte stream into lines (without their `\n` or `\r\n`), numbered from 1. */
export async function* linesOf(chunks: AsyncIterable<Buffer>): AsyncGenerator<{ line: string; number: number }> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let number = 0;
  for await (const chunk of chunks) {
    const text = pending + decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      number++;
      yield { line: text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end), number };
      start = end + 1;
    }
    pending = text.slice(start);
  }
  pending += decoder.end();
  if (pending.length > 0) yield { line: pending.endsWith("\r") ? pending.slice(0, -1) : pending, number: number + 1 };
}
