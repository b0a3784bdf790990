/** How the console shows times, durations, counts and JSON text. */

/** `2025-01-28 22:13:05` UTC, or an em dash. */
export function timestamp(seconds: unknown): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "—";
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
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

/** JSON text re-indented for reading; anything else (or not JSON) as given. */
export function prettyJson(text: unknown): string {
  if (typeof text !== "string") return text === null || text === undefined ? "" : JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A UTC date `YYYY-MM-DD` of seconds. */
export const utcDate = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);
