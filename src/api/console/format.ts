/** How the console shows times, durations, counts and JSON text. */

/** The most seconds from 1970 a JavaScript Date holds (±100 million days): a step may be later still. */
const DATE_SECONDS = 8.64e12;

/**
 * `2025-01-28 22:13:05` UTC (a year past 9999 or before 0 signed and six digits, `+057589-06-13 19:20:00`, as ISO 8601
 * extends it: milliseconds taken for seconds get there), the seconds as received past JavaScript's dates, or an em dash.
 */
export function timestamp(seconds: unknown): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "—";
  if (Math.abs(seconds) > DATE_SECONDS) return `${seconds} s from 1970`;
  const [date, time] = new Date(seconds * 1000).toISOString().split("T");
  return `${date} ${time!.slice(0, 8)}`;
}

/** Seconds as `42 s`, `3 min 5 s`. */
export function duration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function count(value: unknown): string {
  return typeof value === "number" ? value.toLocaleString("en-US") : value === null || value === undefined ? "—" : String(value);
}

export function percent(rate: number | null): string {
  return rate === null ? "—" : `${(rate * 100).toFixed(1)} %`;
}

export function usd(value: number | null): string {
  return value === null ? "—" : `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

/** JSON text without the whitespace between its tokens. */
function withoutSpaces(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== " " && c !== "\n" && c !== "\r" && c !== "\t") out += c;
  }
  return out;
}

/**
 * A JSON object or array re-indented for reading, when that changes nothing but its whitespace; anything else as
 * written. Re-serialising would round a number past 2^53 and write `3.0` as `3`: a log line or an output that happens
 * to parse as JSON is text, shown as the step holds it.
 */
export function prettyJson(text: unknown): string {
  if (typeof text !== "string") return text === null || text === undefined ? "" : JSON.stringify(text, null, 2);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (parsed === null || typeof parsed !== "object") return text;
  return JSON.stringify(parsed) === withoutSpaces(text) ? JSON.stringify(parsed, null, 2) : text;
}

/** A UTC date `YYYY-MM-DD` of seconds. */
export const utcDate = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);
