/**
 * Numbers as written. JSON.parse turns every number into a double, so 9007199254740993, 1e400
 * and 0.1000000000000000055511151231257827 come back as …992, Infinity and 0.1. A record's
 * identity (its content key) and what the log keeps must not depend on that rounding: these
 * helpers read numbers from the source text instead, and tell when the double was exact anyway.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isFractionOrExponent = (c: number) => c === 0x2e || c === 0x65 || c === 0x45; // . e E
const isNumberChar = (c: number) => isDigit(c) || isFractionOrExponent(c) || c === 0x2b || c === MINUS; // + -

/** The offset just past the closing quote of the string that opens at `open` (found by indexOf: strings are most of a record). */
export function stringEnd(text: string, open: number): number {
  for (let close = text.indexOf('"', open + 1); close !== -1; close = text.indexOf('"', close + 1)) {
    let before = close - 1;
    while (text.charCodeAt(before) === BACKSLASH) before--;
    if ((close - 1 - before) % 2 === 0) return close + 1; // an even run of backslashes escapes nothing
  }
  return text.length;
}

/**
 * A number's exact decimal value, spelled as JavaScript spells a double (Number::toString): digits
 * without leading or trailing zeros, plain from 1e-7 to 1e21, else with an exponent. Numerically
 * equal spellings agree (`1.0`, `1`, `1e0`, `10e-1` → `1`; `-0` → `0`), and a number that its
 * double holds as its shortest spelling (what every JSON serialiser writes) gets JSON.stringify's
 * own text, so content keys made before numbers were read losslessly stay valid.
 */
export function canonicalNumber(token: string): string {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!match) return token;
  const [, sign, whole = "", fraction = "", exponent = "0"] = match;
  let digits = (whole + fraction).replace(/^0+/, "");
  if (digits === "") return "0";
  const trimmed = digits.replace(/0+$/, "");
  // value = digits × 10^(exponent − fraction.length); n places the decimal point as Number::toString does.
  const n = BigInt(exponent) - BigInt(fraction.length) + BigInt(digits.length);
  digits = trimmed;
  const k = BigInt(digits.length);
  let text: string;
  if (k <= n && n <= 21n) text = digits + "0".repeat(Number(n - k));
  else if (0n < n && n <= 21n) text = `${digits.slice(0, Number(n))}.${digits.slice(Number(n))}`;
  else if (-6n < n && n <= 0n) text = `0.${"0".repeat(Number(-n))}${digits}`;
  else {
    const e = n - 1n;
    text = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ""}e${e < 0n ? "-" : "+"}${e < 0n ? -e : e}`;
  }
  return sign + text;
}

/** Whether a number token's double is its exact value, spelled as canonicalNumber spells it. */
const exactInDouble = (token: string) => canonicalNumber(token) === String(Number(token));

/**
 * Whether every number in valid JSON text is held exactly by the double JSON.parse makes of it,
 * so that the parsed value says everything the text says: then canonicalJson(JSON.parse(text))
 * is the lossless canonical form, and the slow text walk is not needed.
 */
export function numbersExact(text: string): boolean {
  const length = text.length;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i);
    else if (isDigit(c) || c === MINUS) {
      const start = i;
      let plain = true;
      for (let d = c; i < length && isNumberChar(d); d = text.charCodeAt(++i)) if (isFractionOrExponent(d)) plain = false;
      // Up to 15 characters and no fraction or exponent: an integer below 2^53, exact (the common case, decided without a slice).
      if ((!plain || i - start > 15) && !exactInDouble(text.slice(start, i))) return false;
    } else i++;
  }
  return true;
}

/** A number token of valid JSON as a rejection reason names it: as written, and why a double does not hold it. */
export function describeNumberToken(token: string): string {
  const value = Number(token);
  if (!Number.isFinite(value)) return `${token} (beyond a double's range)`;
  // Integer-valued however written (1e20, 9007199254740992.0): past 2^53-1 a double holds it only roughly.
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return `${token} (beyond 2^53-1, the largest integer a double holds exactly)`;
  return token;
}
