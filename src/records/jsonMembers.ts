import { stringEnd } from "./numbers.js";

/** Where a value sits: object keys (as parsed, escapes read) and array indexes from the root. */
export type JsonPath = readonly (string | number)[];

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isScalarEnd = (c: number) => c === 0x2c || c === 0x5d || c === 0x7d || isWhitespace(c); // , ] }
const unquote = (token: string): string => (token.includes("\\") ? (JSON.parse(token) as string) : token.slice(1, -1));

/**
 * Valid JSON text with every object member whose path `drop` accepts cut out, and every other byte as it was:
 * re-serialising would round integers past 2^53 and respell `1.50`. The text must be a stored record's
 * (JSON.parse has accepted it, nesting bounded before), so the recursion is safe.
 */
export function withoutMembers(text: string, drop: (path: JsonPath) => boolean): string {
  const cuts: [number, number][] = [];
  const path: (string | number)[] = [];
  let i = 0;
  const skip = () => {
    while (isWhitespace(text.charCodeAt(i))) i++;
  };
  const scalar = () => {
    if (text.charCodeAt(i) === 0x22) i = stringEnd(text, i);
    else while (i < text.length && !isScalarEnd(text.charCodeAt(i))) i++;
  };
  // After an item: true at the container's close, false at a comma (both consumed).
  const closes = () => {
    skip();
    const c = text.charCodeAt(i++);
    return c === 0x5d || c === 0x7d;
  };
  const object = () => {
    const members: { start: number; end: number; dropped: boolean }[] = [];
    if (closes()) return;
    i--; // not empty: back to the first key
    do {
      skip();
      const start = i;
      scalar();
      path.push(unquote(text.slice(start, i)));
      skip();
      i++; // the colon
      value();
      members.push({ start, end: i, dropped: drop(path) });
      path.pop();
    } while (!closes());
    // A member before the first kept one goes with the comma after it, any other with the comma before it.
    const firstKept = members.findIndex((member) => !member.dropped);
    members.forEach((member, index) => {
      if (!member.dropped) return;
      if (firstKept === -1 || index < firstKept) cuts.push([member.start, members[index + 1]?.start ?? member.end]);
      else cuts.push([members[index - 1]!.end, member.end]);
    });
  };
  const array = () => {
    if (closes()) return;
    i--;
    let index = 0;
    do {
      path.push(index++);
      value();
      path.pop();
    } while (!closes());
  };
  const value = (): void => {
    skip();
    const c = text.charCodeAt(i);
    if (c !== 0x5b && c !== 0x7b) return scalar();
    i++;
    skip();
    return c === 0x7b ? object() : array();
  };
  value();
  if (cuts.length === 0) return text;
  // A cut inside a dropped member's own cut goes with it; the others are disjoint.
  cuts.sort((a, b) => a[0] - b[0]);
  let kept = "";
  let from = 0;
  for (const [start, end] of cuts) {
    if (start < from) continue;
    kept += text.slice(from, start);
    from = end;
  }
  return kept + text.slice(from);
}
