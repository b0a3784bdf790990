import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLES, stepstore, tempDir } from "../helpers/cli.js";
import { earlierReleaseDatabase } from "../helpers/oldStore.js";

/** CONTRACT §8 v1.1: the commands that only read. `events` needs a run; the examples' has rows. */
const READS = (run = "run_none") => ({
  steps: ["steps"],
  events: ["events", "--run", run],
  rejections: ["rejections"],
  sql: ["sql", "SELECT count(*) AS events FROM events"],
  report: ["report"],
  verify: ["verify"],
  status: ["status"],
});
const COMMANDS = Object.keys(READS()) as (keyof ReturnType<typeof READS>)[];

/** Root ignores file modes, so the read-only cases run as `nobody` when the tests run as root. */
const OTHER_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

/** Runs a read command as the other user, or (`asMyself`) as this process's user. */
const read = (command: keyof ReturnType<typeof READS>, db: string, run?: string, asMyself = false) =>
  stepstore([...READS(run)[command], "--db", db], { user: asMyself ? undefined : OTHER_USER });
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
/** A folder another user may enter (mkdtemp makes them 0700). */
const openDir = () => {
  const dir = tempDir("stepstore-ro-");
  chmodSync(dir, 0o755);
  return dir;
};

const made: string[] = [];
afterAll(() => {
  for (const dir of made) {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("a read command on a database that does not exist", () => {
  it.each(COMMANDS)("%s exits 1 naming the path, and creates neither the file nor its folder", async (command) => {
    const parent = openDir();
    made.push(parent);
    const inMissingFolder = join(parent, "typo", "w10.db");
    const inExistingFolder = join(parent, "w10.db");
    for (const db of [inMissingFolder, inExistingFolder]) {
      const result = await read(command, db);
      expect(result.stderr).toContain(`no stepstore database at ${db}`);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
    }
    expect(readdirSync(parent)).toEqual([]);
  });

  it("steps with no --db and STEPSTORE_DB unset, run from an empty folder, names ./data/stepstore.db there and creates no ./data", async () => {
    const cwd = openDir();
    made.push(cwd);
    const result = await stepstore(["steps"], { cwd, env: { STEPSTORE_DB: undefined }, user: OTHER_USER });
    expect(result.stderr).toContain(`no stepstore database at ${join(cwd, "data", "stepstore.db")}`);
    expect(result.code).toBe(1);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.each([["steps"], ["ingest", join(EXAMPLES, "relayed-events.jsonl")]])("given STEPSTORE_DB set but empty (a template's unset variable), when %s runs, then it is bad usage, exit 2, and no store is made", async (...args) => {
    const cwd = openDir();
    made.push(cwd);
    const result = await stepstore(args, { cwd, env: { STEPSTORE_DB: "" }, user: OTHER_USER });
    expect(result.stderr).toContain("STEPSTORE_DB is set but empty");
    expect(result.code).toBe(2);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe("a read command on a store in a folder nobody may write", () => {
  let locked: string;
  let writable: string;
  let run: string;

  beforeAll(async () => {
    [locked, writable] = [openDir(), openDir()];
    made.push(locked, writable);
    const rejected = join(writable, "rejected.jsonl");
    writeFileSync(rejected, '{"id":"evt_bad","object":"event","type":"thread.run.step.exploded","data":{}}\n');
    const inputs = ["relayed-events.jsonl", "stream-order-lookup.sse", "stream-cut-off.sse"].map((f) => join(EXAMPLES, f));
    const ingest = await stepstore(["ingest", "--db", join(locked, "store.db"), ...inputs, rejected]);
    expect(ingest.code).toBe(3);
    // As SQLite leaves a WAL database after its last connection closes: the file alone.
    expect(readdirSync(locked)).toEqual(["store.db"]);
    copyFileSync(join(locked, "store.db"), join(writable, "store.db"));
    const steps = await read("steps", join(writable, "store.db"), undefined, true);
    run = (JSON.parse(steps.stdout.split("\n")[0]!) as { run_id: string }).run_id;
    chmodSync(join(locked, "store.db"), 0o444);
    chmodSync(locked, 0o555);
  });

  it.each(COMMANDS)("%s prints what it prints on a writable copy, and leaves the folder as it was", async (command) => {
    const before = sha(join(locked, "store.db"));
    const expected = await read(command, join(writable, "store.db"), run, true);
    const result = await read(command, join(locked, "store.db"), run);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).not.toBe("");
    // `status` names its database; the rejected record's origin names the folder it came from.
    const folders = (text: string) => text.replaceAll(locked, "FOLDER").replaceAll(writable, "FOLDER");
    expect(folders(result.stdout)).toBe(folders(expected.stdout));
    expect(readdirSync(locked)).toEqual(["store.db"]);
    expect(sha(join(locked, "store.db"))).toBe(before);
  });

  it("a write command there fails naming the store, and changes nothing", async () => {
    const db = join(locked, "store.db");
    const before = sha(db);
    const result = await stepstore(["ingest", "--db", db, join(EXAMPLES, "relayed-events.jsonl")], { user: OTHER_USER });
    expect(result.stderr).toContain(db);
    expect(result.code).toBe(1);
    expect(sha(db)).toBe(before);
  });

  it("reads in a writable folder change no byte of the database, and leave at most an empty -wal beside it", async () => {
    const db = join(writable, "store.db");
    const before = sha(db);
    for (const command of COMMANDS) expect((await read(command, db, run, true)).code).toBe(0);
    expect(sha(db)).toBe(before);
    if (existsSync(`${db}-wal`)) expect(statSync(`${db}-wal`).size).toBe(0);
  });
});

describe("a read command on a file that is not a current stepstore database", () => {
  let dir: string;
  const files = {
    text: { name: "notes.db", reason: /file is not a database/ },
    // Empty, as a store is for a moment while a write command creates it (its migrations commit at once).
    empty: { name: "empty.db", reason: /holds no stepstore tables yet: an empty file, or a store being created right now \(retry in a moment\)/ },
    foreign: { name: "other-app.db", reason: /is not a stepstore database/ },
    foreignEvents: { name: "events-app.db", reason: /is not a stepstore database \(an events table that is not stepstore's log\)/ },
    older: { name: "older.db", reason: /was made by an older stepstore: run any write command \(ingest, rebuild\) once to upgrade it/ },
  };

  beforeAll(() => {
    dir = openDir();
    made.push(dir);
    writeFileSync(join(dir, files.text.name), "these are my notes, not a database\n".repeat(20));
    writeFileSync(join(dir, files.empty.name), "");
    const foreign = new Database(join(dir, files.foreign.name));
    foreign.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('hello')");
    foreign.close();
    // Before, read as a store made by an older stepstore, with advice to upgrade it that could not work.
    const events = new Database(join(dir, files.foreignEvents.name));
    events.exec("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT)");
    events.close();
    earlierReleaseDatabase(join(dir, files.older.name), 1).close();
  });

  const cases = COMMANDS.flatMap((command) => Object.keys(files).map((kind) => [command, kind] as [typeof command, keyof typeof files]));
  it.each(cases)("%s on the %s file exits 1 naming it, and writes nothing to it", async (command, kind) => {
    const db = join(dir, files[kind].name);
    const before = sha(db);
    const result = await read(command, db);
    expect(result.stderr).toContain(db);
    expect(result.stderr).toMatch(files[kind].reason);
    expect(result.code).toBe(1);
    expect(sha(db)).toBe(before);
  });
});

describe("a write command on another application's SQLite file (a mistyped --db)", () => {
  // An `events` table of its own, or drizzle's journal alone, does not make a file stepstore's (before, both were taken for a store).
  const schemas: Record<string, [sql: string, named: string]> = {
    users: ["CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada')", "users; no events table"],
    events: ["CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT); INSERT INTO events (kind) VALUES ('click')", "events; an events table that is not stepstore's log"],
    journal: ["CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, hash TEXT, created_at NUMERIC)", "__drizzle_migrations; no events table"],
  };
  const cases = ["ingest", "rebuild"].flatMap((command) => Object.keys(schemas).map((schema) => [command, schema] as [string, string]));
  it.each(cases)("%s refuses one with a %s table, exit 1 naming it and its tables, and leaves the file as it was (no tables added, not switched to WAL)", async (command, schema) => {
    const dir = openDir();
    made.push(dir);
    const db = join(dir, "other-app.db");
    const foreign = new Database(db);
    const [sql, named] = schemas[schema]!;
    foreign.exec(sql);
    foreign.close();
    const before = sha(db);
    const result = await stepstore(command === "ingest" ? ["ingest", "--db", db, join(EXAMPLES, "relayed-events.jsonl")] : ["rebuild", "--db", db]);
    expect(result.stderr).toContain(`${db} is not a stepstore database (it has other tables: ${named})`);
    expect(result.code).toBe(1);
    expect(sha(db)).toBe(before);
    expect(existsSync(`${db}-wal`)).toBe(false);
  });
});
