import { isUtf8 } from "node:buffer";
import { readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import type { Readable } from "node:stream";
import type { RejectedRecord } from "../records/classify.js";
import { createEventKeyer } from "../records/eventKey.js";
import type { KeyedRecord } from "../store/append.js";
import { openDocument, openFileDocument, unreadableDocument, unreadableReason, type Document, type FormatOption } from "./document.js";
import { recordsOfDocument } from "./readers.js";

type OnSkip = (path: string, why: string) => void;
const nameSkipped: OnSkip = (path, why) => process.stderr.write(`skipped ${path}: ${why}\n`);

/**
 * The files of a SQLite store (the database and its journals), as `isStoreFile` compares them: `ingest .` where the
 * store is `./data/stepstore.db` reads every file but these. Read, the database would be one rejection holding it whole,
 * larger at each run.
 */
export function storeFiles(database: string): string[] {
  return ["", "-wal", "-shm", "-journal"].map((suffix) => realFile(database + suffix));
}

/** A file's path with its folder's links resolved (the file itself need not exist). */
function realFile(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return path;
  }
}

const isStoreFile = (path: FilePath, store: readonly string[]) => store.length > 0 && typeof path === "string" && store.includes(realFile(path));
const STORE_ITSELF = "the store itself (--db)";

/**
 * A folder's files, recursively, in name order: every file (CONTRACT §2), its format sniffed where its name
 * says nothing, so a file that holds no records is a rejection naming it, not left unread. What is no file,
 * and the store's own files, are named on stderr. A link to a file is followed; a link to a folder is not (it could loop).
 * A folder that cannot be listed (EACCES) is one entry saying so, in its place: its siblings are still read.
 */
function filesIn(folder: FilePath, store: readonly string[], skip: OnSkip = nameSkipped): Listed[] {
  const files: Listed[] = [];
  let listed;
  try {
    listed = readdirSync(folder, { withFileTypes: true, encoding: "buffer" });
  } catch (error) {
    return [{ unreadable: shownPath(folder), reason: unreadableReason(error, "folder") }];
  }
  const entries = listed.map((entry) => ({ entry, shown: entry.name.toString("utf8") }));
  for (const { entry } of entries.sort((a, b) => (a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0))) {
    const path = childPath(folder, entry.name);
    let target;
    try {
      target = entry.isSymbolicLink() ? statSync(path, { throwIfNoEntry: false }) : entry;
    } catch (error) {
      // A link into a folder this user cannot enter: one rejection naming it, as for a file it cannot open.
      files.push({ unreadable: shownPath(path), reason: unreadableReason(error, "file") });
      continue;
    }
    if (entry.isDirectory()) files.push(...filesIn(path, store, skip));
    else if (!target) skip(shownPath(path), "a broken link");
    else if (target.isDirectory()) skip(shownPath(path), "a link to a folder (not followed)");
    else if (!target.isFile()) skip(shownPath(path), "not a file");
    else if (isStoreFile(path, store)) skip(shownPath(path), STORE_ITSELF);
    else files.push(path);
  }
  return files;
}

/**
 * A file's path: text, or the bytes of one whose name is not UTF-8 (a name decoded with U+FFFD would name no file).
 * Messages and origins show such a path decoded.
 */
type FilePath = string | Buffer;
/** What a walk finds: a file to read, or a folder it could not list and why. */
type Listed = FilePath | { unreadable: string; reason: string };
const isFile = (listed: Listed): listed is FilePath => typeof listed === "string" || Buffer.isBuffer(listed);
const shownPath = (path: FilePath) => (typeof path === "string" ? path : path.toString("utf8"));
function childPath(folder: FilePath, name: Buffer): FilePath {
  if (typeof folder === "string" && isUtf8(name)) return join(folder, name.toString("utf8"));
  return Buffer.concat([Buffer.from(folder), Buffer.from(sep), name]);
}

/** The files `paths` name, folders expanded, the store's own left out (`store`: storeFiles', or none). */
function filesOf(paths: readonly string[], store: readonly string[], skip: OnSkip = nameSkipped): Listed[] {
  return paths.flatMap((path) => {
    if (statSync(path).isDirectory()) return filesIn(path, store, skip);
    if (!isStoreFile(path, store)) return [path];
    skip(path, STORE_ITSELF);
    return [];
  });
}

/** How many bytes `paths` hold (as `documentsOf` expands them), or null when stdin is among them. */
export function bytesToRead(paths: readonly string[], store: readonly string[]): number | null {
  if (paths.includes("-")) return null;
  // Silent: the reading itself names what it skips, once.
  return filesOf(paths, store, () => {}).filter(isFile).reduce((sum, file) => sum + sizeOf(file), 0);
}

/** A file's size; 0 where it cannot be looked at (the reading names it). */
function sizeOf(file: FilePath): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Expands the paths given to `ingest` (`-` is stdin, a folder every file in it but the store's own) into documents. */
export async function* documentsOf(paths: readonly string[], format: FormatOption, stdin: Readable, store: readonly string[], onRead?: (bytes: number) => void): AsyncGenerator<Document> {
  for (const path of paths) {
    if (path === "-") yield await openDocument(stdin, "-", format);
    else {
      for (const listed of filesOf([path], store)) {
        yield isFile(listed) ? await openFileDocument(listed, format, onRead) : unreadableDocument(listed.unreadable, listed.reason);
      }
    }
  }
}

/**
 * Every record of a document, keyed for the log (CONTRACT §3), or rejected with its reason. A gzip stream cut
 * short or damaged, or a file or folder that cannot be read, is one more rejection naming the document: the
 * records before the damage land, and the documents after it are read.
 */
export async function* keyedRecordsOf(doc: Document): AsyncGenerator<KeyedRecord | RejectedRecord> {
  const keyOf = createEventKeyer(doc.identity);
  for await (const record of recordsOfDocument(doc)) yield keyOf.keyed(record);
  const damage = doc.damage();
  if (damage !== null) yield { ok: false, reason: damage, path: null, origin: doc.name, raw: "" };
}
