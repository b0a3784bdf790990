import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withoutMembers } from "../../src/records/lossless.js";

const dropContent = (text: string) => withoutMembers(text, (path) => path.at(-1) === "content");

describe("withoutMembers", () => {
  it("cuts a member wherever it stands, commas and all, numbers and keys kept as written (compact where it cut)", () => {
    expect(dropContent('{"content":1,"a":2}')).toBe('{"a":2}');
    expect(dropContent('{"a":2, "content":[1,{"x":1}] ,"b":1.50}')).toBe('{"a":2,"b":1.50}');
    expect(dropContent('{"a":12345678901234567890,"content":{}}')).toBe('{"a":12345678901234567890}');
    expect(dropContent('{"content":1,"content":2,"x":3}')).toBe('{"x":3}');
    expect(dropContent('{"x":3,"content":1,"content":2}')).toBe('{"x":3}');
    expect(dropContent('{ "content" : 1 }')).toBe("{}");
    expect(dropContent('[{"content":"a"},{"b":"}\\"content\\":"}]')).toBe('[{},{"b":"}\\"content\\":"}]');
  });

  it("reads a key as JSON.parse does, escapes and all, and leaves text without one as it was", () => {
    expect(dropContent('{"c\\u006fntent":1,"a":[]}')).toBe('{"a":[]}');
    const text = '{"a": [1, 2.0, "x"], "b": {"contents": null}}';
    expect(dropContent(text)).toBe(text);
  });

  it("drops a repeated key's earlier values, which no JSON reader sees: a member to drop hidden in one does not ride along", () => {
    const hidden = '{"details":{"results":[{"content":"SECRET"}]},"details":{"results":[]}}';
    expect(dropContent(hidden)).toBe('{"details":{"results":[]}}');
    expect(dropContent('{"a":1,"a":2}')).toBe('{"a":2}');
  });

  it("matches by path: a dropped member's own nested matches go with it", () => {
    const text = '{"r":[{"content":{"content":1,"k":2},"s":1}]}';
    expect(withoutMembers(text, (path) => path.length === 3 && path[0] === "r" && path[1] === 0 && path[2] === "content")).toBe('{"r":[{"s":1}]}');
    expect(dropContent(text)).toBe('{"r":[{"s":1}]}');
  });
});

/** The value with every member named `content` deleted, at any depth: what the cut text must parse to. */
function deleted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deleted);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== "content").map(([key, v]) => [key, deleted(v)]));
}

describe("withoutMembers on any JSON text (property)", () => {
  // Keys drawn so that `content` is common, spaced as JSON.stringify spaces it or not at all.
  const key = fc.constantFrom("content", "a", "b", "contents", "c\\u006fntent");
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small" }, fc.jsonValue({ maxDepth: 0 }), fc.array(tie("node"), { maxLength: 3 }), fc.dictionary(key, tie("node"), { maxKeys: 4 })),
  })).node;

  it("parses to the value without its content members, and leaves text without one byte for byte", () => {
    fc.assert(fc.property(value, fc.constantFrom(0, 2), (tree, indent) => {
      // The escaped key is written as typed (\\u006f), which JSON.parse reads as "content".
      const text = JSON.stringify(tree, null, indent).replaceAll('"c\\\\u006fntent"', '"c\\u006fntent"');
      const cut = dropContent(text);
      expect(JSON.parse(cut)).toEqual(deleted(JSON.parse(text)));
      if (!/"c(ontent|\\u006fntent)"\s*:/.test(text)) expect(cut).toBe(text);
    }), { numRuns: 500 });
  });
});
