import type { RejectedRecord } from "./classify.js";
import { syntaxErrorOffset } from "./jsonSyntax.js";
import { printable } from "./utf8.js";

/** Where a parse error stands in the text: `at column C` on one line, else `at line L, column C`. */
export function placeIn(text: string, position: number): string {
  const lineStart = text.lastIndexOf("\n", position - 1) + 1;
  const column = position - lineStart + 1;
  if (lineStart === 0) return `at column ${column}`;
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < lineStart; i = text.indexOf("\n", i + 1)) line++;
  return `at line ${line}, column ${column}`;
}

/**
 * A reason's place (`placeIn`'s words: `at column C`, `at line L, column C`) in a text that begins at `start` of its
 * file: the same place counted in the file's lines and columns.
 */
export function placedInFile(reason: string, start: { line: number; column: number }): string {
  return reason.replace(/ at (?:line (\d+), )?column (\d+)$/, (_, line: string | undefined, column: string) => {
    const inText = line === undefined ? 1 : Number(line);
    return ` at line ${start.line + inText - 1}, column ${inText === 1 ? start.column + Number(column) - 1 : Number(column)}`;
  });
}

/**
 * A document whose bytes are not JSON: kept verbatim (`raw`), with the parser's complaint and where
 * in the parsed text (`parsed`, the raw bytes unless, as for SSE, they are the data field) it arose.
 */
export function invalidJson(error: unknown, raw: string, origin: string, parsed = raw): RejectedRecord {
  // V8 sometimes echoes the text (`Unexpected token ',', "[1,,2]" is not valid JSON`, long ones
  // cut with `...`): the raw is kept anyway. It quotes the token it names; the reason does not.
  const message = (error as Error).message
    .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, "")
    .replace(/^Unexpected token '(.+)'$/s, "Unexpected token $1");
  const at = /(?: in JSON)? at position (\d+)(?: \(line \d+ column \d+\))?/.exec(message);
  const position = at ? Number(at[1]) : syntaxErrorOffset(parsed);
  // The token V8 names may be a control character (a NUL byte in a file): written as its escape.
  const complaint = printable(at ? message.slice(0, at.index) + message.slice(at.index + at[0].length) : message);
  const reason = `invalid JSON: ${complaint}${position === null ? "" : ` ${placeIn(parsed, position)}`}`;
  return { ok: false, reason, path: null, origin, raw };
}

