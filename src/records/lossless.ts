import { canonicalNumber, numbersExact, stringEnd } from "./numbers.js";

/**
 * Valid JSON text read without losing a digit: scalars stay the tokens written (a number is never
 * a double here), objects are Maps of key → [key as written, value] (a repeated key keeps its first
 * place and its last value, as JSON.parse does). Only records whose numbers a double does not hold
 * exactly are read this way (numbersExact), so its speed is not the hot path's.
 */
type LosslessNode = string | LosslessNode[] | Map<string, [string, LosslessNode]>;

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isScalarEnd = (c: number) => c === 0x2c || c === 0x5d || c === 0x7d || isWhitespace(c); // , ] }

/** A string token's value: its text between the quotes when nothing is escaped. */
const unquote = (token: string): string => (token.includes("\\") ? (JSON.parse(token) as string) : token.slice(1, -1));

/**
 * Reads valid JSON text (JSON.parse has accepted it; nesting is bounded before parsing, so recursion is safe). A key
 * an object repeats keeps its last value, as JSON.parse does, and sets `found.duplicateKey`.
 */
export function parseLossless(text: string, found: { duplicateKey: boolean } = { duplicateKey: false }): LosslessNode {
  let i = 0;
  const skip = () => {
    while (isWhitespace(text.charCodeAt(i))) i++;
  };
  const token = (): string => {
    const start = i;
    if (text.charCodeAt(i) === 0x22) i = stringEnd(text, i);
    else while (i < text.length && !isScalarEnd(text.charCodeAt(i))) i++;
    return text.slice(start, i);
  };
  // After an item: true at the container's close, false at a comma (both consumed).
  const closes = () => {
    skip();
    const c = text.charCodeAt(i++);
    return c === 0x5d || c === 0x7d;
  };
  const value = (): LosslessNode => {
    skip();
    const c = text.charCodeAt(i);
    if (c !== 0x5b && c !== 0x7b) return token();
    i++;
    skip();
    const empty = text.charCodeAt(i) === c + 2; // ] is [ + 2, } is { + 2
    if (c === 0x5b) {
      const items: LosslessNode[] = [];
      if (empty) i++;
      else do items.push(value()); while (!closes());
      return items;
    }
    const members = new Map<string, [string, LosslessNode]>();
    if (empty) i++;
    else
      do {
        skip();
        const key = token();
        skip();
        i++; // the colon
        const name = unquote(key);
        if (members.has(name)) found.duplicateKey = true;
        members.set(name, [key, value()]);
      } while (!closes());
    return members;
  };
  return value();
}

/** A string token as JSON.stringify writes its value (`"\u0041"` → `"A"`): escapes undone, and redone only where needed. */
function canonicalString(token: string): string {
  return token.includes("\\") || /[\uD800-\uDFFF]/.test(token) ? JSON.stringify(JSON.parse(token) as string) : token;
}

/** The canonical JSON of a node: keys sorted as canonicalJson sorts them, no whitespace, strings as JSON.stringify writes them, numbers by exact value. */
export function canonicalNode(node: LosslessNode): string {
  if (typeof node === "string") {
    const c = node.charCodeAt(0);
    return c === 0x22 ? canonicalString(node) : c === 0x2d || (c >= 0x30 && c <= 0x39) ? canonicalNumber(node) : node;
  }
  if (Array.isArray(node)) return `[${node.map(canonicalNode).join(",")}]`;
  const keys = [...node.keys()].sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalNode(node.get(key)![1])}`).join(",")}}`;
}

/** A node as compact JSON text, its keys in their order and its scalars as written; `omit` leaves out one key of an object. */
function serialiseNode(node: LosslessNode, omit?: string): string {
  if (typeof node === "string") return node;
  if (Array.isArray(node)) return `[${node.map((item) => serialiseNode(item)).join(",")}]`;
  const members: string[] = [];
  for (const [key, [written, value]] of node) if (key !== omit) members.push(`${written}:${serialiseNode(value)}`);
  return `{${members.join(",")}}`;
}

/** Where a value sits: object keys (as parsed, escapes read) and array indexes from the root. */
export type JsonPath = readonly (string | number)[];

/**
 * Valid JSON text without the object members whose path `drop` accepts, read losslessly (an integer past 2^53, a
 * `1.50`, key order all as written; compact where a member was dropped, or where a key repeats: its earlier values,
 * which no reader of the JSON sees, are dropped with it, as a member `drop` names could hide in one); the text itself
 * when nothing is dropped.
 */
export function withoutMembers(text: string, drop: (path: JsonPath) => boolean): string {
  const found = { duplicateKey: false };
  let dropped = false;
  const prune = (node: LosslessNode, path: JsonPath): LosslessNode => {
    if (typeof node === "string") return node;
    if (Array.isArray(node)) return node.map((item, i) => prune(item, [...path, i]));
    const kept: typeof node = new Map();
    for (const [key, [written, value]] of node) {
      const at = [...path, key];
      if (drop(at)) dropped = true;
      else kept.set(key, [written, prune(value, at)]);
    }
    return kept;
  };
  const pruned = prune(parseLossless(text, found), []);
  return dropped || found.duplicateKey ? serialiseNode(pruned) : text;
}

/** The node at a path of keys and indexes, or `null` where the value has none. */
function nodeAt(node: LosslessNode, path: readonly PropertyKey[]): LosslessNode {
  let at: LosslessNode | undefined = node;
  for (const step of path) {
    at = Array.isArray(at) ? at[step as number] : at instanceof Map ? at.get(String(step))?.[1] : undefined;
    if (at === undefined) return "null";
  }
  return at;
}

/**
 * The texts of a value's parts (a list page's items, an export's thread, runs and steps), compact
 * and with their numbers as written: JSON.stringify of the part when the double held every number
 * of the text exactly, else the part read losslessly from the text.
 */
export function partTexts(value: unknown, text: string): (path: readonly PropertyKey[], omit?: string) => string {
  if (numbersExact(text)) {
    return (path, omit) => {
      let part = path.reduce<unknown>((at, step) => (at as Record<PropertyKey, unknown> | undefined)?.[step], value);
      if (omit !== undefined && part !== null && typeof part === "object") part = Object.fromEntries(Object.entries(part).filter(([key]) => key !== omit));
      return JSON.stringify(part ?? null);
    };
  }
  const tree = parseLossless(text);
  return (path, omit) => serialiseNode(nodeAt(tree, path), omit);
}

/** The token a number at `path` was written as in `text`, if the text holds one there. */
export function tokenAt(text: string, path: readonly PropertyKey[]): string | null {
  const node = nodeAt(parseLossless(text), path);
  return typeof node === "string" ? node : null;
}
