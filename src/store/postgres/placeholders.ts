/**
 * Portable SQL binds with `?`; PostgreSQL numbers its parameters `$1, $2, …`. Each `?` outside a
 * string literal ('…', E'…' with backslash escapes, $tag$…$tag$), a quoted identifier ("…") and a
 * comment (-- …, /* … *\/) becomes the next number; the text inside those is copied as it is.
 */
export function numberPlaceholders(sql: string): string {
  let out = "";
  let next = 1;
  let i = 0;
  while (i < sql.length) {
    const end = skippedUntil(sql, i);
    if (end > i) {
      out += sql.slice(i, end);
      i = end;
    } else if (sql[i] === "?") {
      out += `$${next++}`;
      i++;
    } else {
      out += sql[i];
      i++;
    }
  }
  return out;
}

const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;

/** Where the literal, quoted identifier or comment that starts at `i` ends (`i` itself when none starts there). */
function skippedUntil(sql: string, i: number): number {
  const char = sql[i];
  if (char === "'") return quotedUntil(sql, i, "'", isEscapeString(sql, i));
  if (char === '"') return quotedUntil(sql, i, '"', false);
  if (char === "-" && sql[i + 1] === "-") {
    const newline = sql.indexOf("\n", i);
    return newline === -1 ? sql.length : newline + 1;
  }
  if (char === "/" && sql[i + 1] === "*") return blockCommentUntil(sql, i);
  if (char === "$" && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? "")) {
    DOLLAR_TAG.lastIndex = i;
    const tag = DOLLAR_TAG.exec(sql);
    if (tag) {
      const close = sql.indexOf(tag[0], i + tag[0].length);
      return close === -1 ? sql.length : close + tag[0].length;
    }
  }
  return i;
}

/** E'…' (or e'…'), not part of a longer word: backslash escapes a quote inside. */
function isEscapeString(sql: string, quote: number): boolean {
  return /[Ee]/.test(sql[quote - 1] ?? "") && !/[A-Za-z0-9_]/.test(sql[quote - 2] ?? "");
}

/** The end of a quoted run: a doubled quote stays inside, as does a backslash-escaped one in an E'…' string. */
function quotedUntil(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === "\\") i += 2;
    else if (sql[i] === quote && sql[i + 1] === quote) i += 2;
    else if (sql[i] === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

/** PostgreSQL's block comments nest. */
function blockCommentUntil(sql: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < sql.length) {
    if (sql[i] === "/" && sql[i + 1] === "*") {
      depth++;
      i += 2;
    } else if (sql[i] === "*" && sql[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}
