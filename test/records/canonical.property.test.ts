import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, canonicalOfText } from "../../src/records/canonical.js";

/** A JSON value whose numbers are exact decimals: ±digits × 10^exponent, never a double. */
type Model = null | boolean | { n: [boolean, bigint, number] } | { s: string } | Model[] | { o: [string, Model][] };

// Few digits and exponents, so that equal values come up often; neighbours a double rounds alike among them.
const DIGITS = [0n, 1n, 5n, 10n, 123n, 9007199254740991n, 9007199254740992n, 9007199254740993n, 123456789012345678901234567890n, 123456789012345678901234567891n];
const number = fc.tuple(fc.boolean(), fc.constantFrom(...DIGITS), fc.constantFrom(-400, -30, -1, 0, 1, 2, 21, 400)).map((n) => ({ n }));
const text = fc.constantFrom("", "A", "é", "\u2028", "😀", 'a"b', "x\\y", "\n").map((s) => ({ s }));
const model: fc.Arbitrary<Model> = fc.letrec<{ value: Model }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null), fc.boolean(), number, text,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.uniqueArray(fc.tuple(fc.constantFrom("a", "b", "é", "__proto__", "1", "A"), tie("value")), { selector: ([k]) => k, maxLength: 3 }).map((o) => ({ o })),
  ),
})).value;

/** The ground truth, computed apart from the code under test: numbers as BigInt digits and exponent, trailing zeros moved out, -0 = 0. */
function truth(m: Model): string {
  if (m === null || typeof m === "boolean") return String(m);
  if (Array.isArray(m)) return `[${m.map(truth).join(",")}]`;
  if ("s" in m) return JSON.stringify(m.s);
  if ("o" in m) return `{${[...m.o].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${truth(v)}`).join(",")}}`;
  let [negative, digits, exponent] = m.n;
  if (digits === 0n) return "0";
  while (digits % 10n === 0n) [digits, exponent] = [digits / 10n, exponent + 1];
  return `${negative ? "-" : ""}${digits}e${exponent}`;
}

/** One of the many ways to write a number: trailing zeros added, the point moved, `e`/`E`, an explicit `+`. */
function spellNumber([negative, digits, exponent]: [boolean, bigint, number], r: number[]): string {
  const zeros = r[0]! % 3;
  const d = digits.toString() + "0".repeat(digits === 0n ? 0 : zeros);
  const e = exponent - (digits === 0n ? 0 : zeros);
  const sign = negative ? "-" : "";
  const exp = (x: number) => (x === 0 && r[1]! % 2 === 0 ? "" : `${r[2]! % 2 ? "e" : "E"}${x >= 0 && r[3]! % 2 ? "+" : ""}${x}`);
  switch (r[4]! % 3) {
    case 0: return `${sign}${d}${exp(e)}`;
    case 1: {
      const after = 1 + (r[5]! % (d.length + 2)); // digits after the point
      const body = after >= d.length ? `0.${"0".repeat(after - d.length)}${d}` : `${d.slice(0, d.length - after)}.${d.slice(d.length - after)}`;
      return `${sign}${body}${exp(e + after)}`;
    }
    default: return e >= 0 && e <= 25 ? `${sign}${d}${"0".repeat(digits === 0n ? 0 : e)}` : `${sign}${d}e${e}`;
  }
}

/** A string token with some characters (and always those JSON requires) written as `\uXXXX`, in either case. */
function escapeSome(s: string, r: number[]): string {
  const escape = (ch: string, pick: number) => {
    const hex = ch.charCodeAt(0).toString(16).padStart(4, "0");
    return `\\u${pick % 4 < 2 ? hex : hex.toUpperCase()}`;
  };
  const must = (ch: string) => ch === '"' || ch === "\\" || ch < " ";
  return `"${[...s].map((ch, i) => (ch.length === 1 && (must(ch) || r[i % r.length]! % 2 === 0) ? escape(ch, r[i % r.length]!) : ch)).join("")}"`;
}

/** A text of the model: keys in a random order, random whitespace, random spellings of numbers and strings. */
function spell(m: Model, r: number[]): string {
  const next = () => (r.push(r.shift()!), r);
  const ws = () => (next()[0]! % 4 === 0 ? " \n" : "");
  if (m === null || typeof m === "boolean") return String(m);
  if (Array.isArray(m)) return `[${m.map((v) => ws() + spell(v, next())).join(",")}]`;
  if ("s" in m) return escapeSome(m.s, next());
  if ("n" in m) return spellNumber(m.n, next());
  const members = [...m.o].sort(() => (next()[0]! % 2 ? 1 : -1));
  return `{${members.map(([k, v]) => `${ws()}${escapeSome(k, next())}${ws()}:${spell(v, next())}`).join(",")}${ws()}}`;
}

const randomness = fc.array(fc.nat(1000), { minLength: 8, maxLength: 8 });

describe("canonical JSON of a record's text", () => {
  it("two texts have the same canonical form exactly when their values are equal, numbers compared by exact decimal value", () => {
    const pair = fc.oneof(model.map((m) => [m, m] as const), fc.tuple(model, model));
    fc.assert(
      fc.property(pair, randomness, randomness, ([a, b], ra, rb) => {
        const [ta, tb] = [spell(a, [...ra]), spell(b, [...rb])];
        expect(canonicalOfText(ta) === canonicalOfText(tb), `${ta}\n${tb}`).toBe(truth(a) === truth(b));
      }),
      { numRuns: 3000 },
    );
  });

  it("for what JSON.stringify writes, it is canonicalJson of the parsed value (content keys made before stay valid)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalOfText(JSON.stringify(value))).toBe(canonicalJson(JSON.parse(JSON.stringify(value))));
      }),
      { numRuns: 3000 },
    );
  });

  it("numbers are spelled as JavaScript spells a double, with the digits written", () => {
    const cases: [string, string][] = [
      ["1.0", "1"], ["-0", "0"], ["-0.0e5", "0"], ["10e-1", "1"], ["0.000001", "0.000001"], ["1e-7", "1e-7"], ["1e21", "1e+21"],
      ["100000000000000000000", "100000000000000000000"], ["9007199254740993", "9007199254740993"], ["1e400", "1e+400"],
      ["0.1000000000000000055511151231257827", "0.1000000000000000055511151231257827"], ["123456789012345678901234567890", "1.2345678901234567890123456789e+29"],
    ];
    for (const [written, canonical] of cases) expect(canonicalOfText(`[${written}]`), written).toBe(`[${canonical}]`);
  });
});
