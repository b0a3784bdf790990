import { describe, expect, it } from "vitest";
import { withoutMembers } from "../../src/records/jsonMembers.js";

const dropContent = (text: string) => withoutMembers(text, (path) => path.at(-1) === "content");

describe("withoutMembers", () => {
  it("cuts a member wherever it stands, commas and all, and keeps every other byte", () => {
    expect(dropContent('{"content":1,"a":2}')).toBe('{"a":2}');
    expect(dropContent('{"a":2, "content":[1,{"x":1}] ,"b":1.50}')).toBe('{"a":2 ,"b":1.50}');
    expect(dropContent('{"a":12345678901234567890,"content":{}}')).toBe('{"a":12345678901234567890}');
    expect(dropContent('{"content":1,"content":2,"x":3}')).toBe('{"x":3}');
    expect(dropContent('{"x":3,"content":1,"content":2}')).toBe('{"x":3}');
    expect(dropContent('{ "content" : 1 }')).toBe("{  }");
    expect(dropContent('[{"content":"a"},{"b":"}\\"content\\":"}]')).toBe('[{},{"b":"}\\"content\\":"}]');
  });

  it("reads a key as JSON.parse does, escapes and all, and leaves text without one as it was", () => {
    expect(dropContent('{"c\\u006fntent":1,"a":[]}')).toBe('{"a":[]}');
    const text = '{"a": [1, 2.0, "x"], "b": {"contents": null}}';
    expect(dropContent(text)).toBe(text);
  });

  it("matches by path: a dropped member's own nested matches go with it", () => {
    const text = '{"r":[{"content":{"content":1,"k":2},"s":1}]}';
    expect(withoutMembers(text, (path) => path.length === 3 && path[0] === "r" && path[1] === 0 && path[2] === "content")).toBe('{"r":[{"s":1}]}');
    expect(dropContent(text)).toBe('{"r":[{"s":1}]}');
  });
});
