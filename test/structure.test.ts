import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The layout is the architecture (issue 13): the first-level folders of src/ import each other
 * without a cycle, no file is over 300 lines, no function is over 100 lines of its own or 120
 * with the functions it nests.
 */
const SRC = resolve(import.meta.dirname, "../src");
const MAX_FILE_LINES = 300;
const MAX_OWN_LINES = 100;
const MAX_NESTED_LINES = 120;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((path) => {
  const text = readFileSync(path, "utf8");
  return { path, name: relative(SRC, path), text, source: ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true) };
});

/** `store` for src/store/append.ts; `.` for a file directly in src/. */
const folderOf = (path: string) => {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 ? parts[0]! : ".";
};

function importedFolders(file: (typeof files)[number]): string[] {
  const specifiers: string[] = [];
  file.source.forEachChild(function visit(node) {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0]!)) {
      specifiers.push((node.arguments[0] as ts.StringLiteral).text);
    }
    node.forEachChild(visit);
  });
  return specifiers
    .filter((s) => s.startsWith("."))
    .map((s) => resolve(dirname(file.path), s))
    .filter((target) => target.startsWith(SRC + sep))
    .map(folderOf);
}

/** Every cycle between folders, each as the path that closes it (`a → b → a`). */
function folderCycles(edges: Map<string, Set<string>>): string[] {
  const cycles: string[] = [];
  const visit = (folder: string, path: string[]) => {
    for (const next of edges.get(folder) ?? []) {
      if (next === path[0]) cycles.push([...path, next].join(" → "));
      else if (!path.includes(next) && next > path[0]!) visit(next, [...path, next]);
    }
  };
  for (const folder of [...edges.keys()].sort()) visit(folder, [folder]);
  return cycles;
}

const isFunction = (node: ts.Node): node is ts.FunctionLikeDeclaration =>
  ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node) ||
  ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node);

function lineSpan(source: ts.SourceFile, node: ts.Node): number {
  const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
  return source.getLineAndCharacterOfPosition(node.getEnd()).line - start + 1;
}

/** Each function's lines with what it nests, and its own: without the functions directly inside it. */
function functionSizes(file: (typeof files)[number]) {
  const sizes: { where: string; total: number; own: number }[] = [];
  const measure = (fn: ts.Node): number => {
    let nested = 0;
    fn.forEachChild(function inner(node) {
      if (isFunction(node)) nested += measure(node);
      else node.forEachChild(inner);
    });
    const total = lineSpan(file.source, fn);
    const line = file.source.getLineAndCharacterOfPosition(fn.getStart(file.source)).line + 1;
    sizes.push({ where: `${file.name}:${line}`, total, own: total - nested });
    return total;
  };
  file.source.forEachChild(function top(node) {
    if (isFunction(node)) measure(node);
    else node.forEachChild(top);
  });
  return sizes;
}

describe("the source layout", () => {
  it("has no cycle between the first-level folders of src/", () => {
    const edges = new Map<string, Set<string>>();
    for (const file of files) {
      const from = folderOf(file.path);
      for (const to of importedFolders(file)) if (to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
    expect(folderCycles(edges)).toEqual([]);
  });

  it(`has no source file over ${MAX_FILE_LINES} lines`, () => {
    const long = files.map((f) => ({ file: f.name, lines: f.text.split("\n").length - (f.text.endsWith("\n") ? 1 : 0) }));
    expect(long.filter((f) => f.lines > MAX_FILE_LINES)).toEqual([]);
  });

  it(`has no function over ${MAX_OWN_LINES} lines of its own or ${MAX_NESTED_LINES} with what it nests`, () => {
    const sizes = files.flatMap(functionSizes);
    expect(sizes.filter((s) => s.own > MAX_OWN_LINES || s.total > MAX_NESTED_LINES)).toEqual([]);
  });

  it("finds a cycle and a long function when there is one (the checks can fail)", () => {
    const edges = new Map([["a", new Set(["b"])], ["b", new Set(["c"])], ["c", new Set(["a"])]]);
    expect(folderCycles(edges)).toEqual(["a → b → c → a"]);
    const body = Array.from({ length: 130 }, (_, i) => `  const v${i} = ${i};`).join("\n");
    const text = `function outer() {\n${body}\n  const inner = () => {\n    return 1;\n  };\n}\n`;
    const file = { path: join(SRC, "x.ts"), name: "x.ts", text, source: ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, true) };
    const [inner, outer] = functionSizes(file);
    expect(inner).toMatchObject({ total: 3, own: 3 });
    expect(outer).toMatchObject({ total: 135, own: 132 });
  });
});
