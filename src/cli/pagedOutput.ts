import { writeOut } from "./io.js";
import type { PagedFormat } from "./output.js";

/** How many rows a read command reads from the store at a time. */
export const PAGE_ROWS = 1000;

/**
 * Writes rows as they are read, a page at a time, each page flushed before the next is read: memory holds
 * one page, and once stdout closes (`| head -1`) the write fails, which ends the reading (the closed pipe
 * itself stops the process quietly: main.ts).
 */
export async function writePages<R>(pages: AsyncIterable<readonly R[]>, format: PagedFormat<R>): Promise<void> {
  for await (const page of pages) {
    const text = format.page(page);
    if (text !== "") await writeOut(text);
  }
  const end = format.end();
  if (end !== "") await writeOut(end);
}
