const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);

/** Whether a text is JSON's whitespace alone (space, tab, line feed, carriage return): what JSON skips, and nothing JavaScript's wider trim() takes. */
export function isJsonWhitespace(text: string): boolean {
  for (const char of text) if (!WHITESPACE.has(char)) return false;
  return true;
}

/** Whether bytes are one JSON value in UTF-8: an item a cut ends inside is not. */
export function isJsonText(bytes: Buffer): boolean {
  try {
    JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return true;
  } catch {
    return false;
  }
}
const LITERALS: Record<string, string> = { t: "true", f: "false", n: "null" };

/**
 * Where JSON text stops being JSON: the offset of the first character that cannot continue it
 * (the text's length when it ends too soon), or null when it is valid. V8 names the token of an
 * "Unexpected token" error but not where it stands; this finds it. Numbers and strings are only
 * skipped: V8 places the errors inside them itself.
 */
export function syntaxErrorOffset(text: string): number | null {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxErrorAt(i);
  };
  const skipWhitespace = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  const expect = (char: string) => {
    skipWhitespace();
    if (text[i] !== char) fail();
    i++;
  };
  const string = () => {
    i++; // the opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    skipWhitespace();
    const char = text[i];
    if (char === "{" || char === "[") {
      const close = char === "{" ? "}" : "]";
      i++;
      skipWhitespace();
      if (text[i] === close) return void i++;
      for (;;) {
        if (char === "{") {
          skipWhitespace();
          if (text[i] !== '"') fail();
          string();
          expect(":");
        }
        value();
        skipWhitespace();
        if (text[i] === ",") i++;
        else return expect(close);
      }
    }
    if (char === '"') return string();
    if (char !== undefined && /[-0-9]/.test(char)) {
      while (i < text.length && /[-+0-9.eE]/.test(text[i]!)) i++;
      return;
    }
    const literal = char === undefined ? undefined : LITERALS[char];
    if (literal === undefined) fail();
    for (const expected of literal!) {
      if (text[i] !== expected) fail();
      i++;
    }
  };
  try {
    value();
    skipWhitespace();
    if (i < text.length) fail();
    return null;
  } catch (error) {
    if (error instanceof SyntaxErrorAt) return error.offset;
    if (error instanceof RangeError) return null; // nested too deep to walk: the reason goes without a place
    throw error;
  }
}

class SyntaxErrorAt extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at ${offset}`);
  }
}
