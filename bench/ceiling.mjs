// The raw ceiling: a plain script that reads each line, JSON.parses it and inserts it with its key into a
// table with a unique key, 1,000 lines a transaction. On SQLite: better-sqlite3, a WAL file, synchronous=FULL.
// On PostgreSQL (DB a postgres:// URL): pg, one multi-row INSERT … ON CONFLICT DO NOTHING a transaction.
// Usage: node ceiling.mjs FILE DB
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

const [file, db] = process.argv.slice(2);
const TABLE = "CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, event_key TEXT NOT NULL UNIQUE, data TEXT NOT NULL)";

/** SQLite: one prepared insert per line inside a transaction (what a SQLite program does at best). */
async function sqliteSink(path) {
  const { default: Database } = await import("better-sqlite3");
  const database = new Database(path);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL"); // the durability stepstore runs with
  database.exec(TABLE);
  const insert = database.prepare("INSERT INTO events (event_key, data) VALUES (?, ?) ON CONFLICT(event_key) DO NOTHING");
  const commit = database.transaction((rows) => {
    for (const [key, line] of rows) insert.run(key, line);
  });
  return { commit: async (rows) => commit(rows), close: async () => database.close() };
}

/** PostgreSQL: one multi-row INSERT per batch, its own transaction (one round trip, one WAL flush). */
async function postgresSink(url) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(TABLE.replace("INTEGER PRIMARY KEY", "bigserial PRIMARY KEY"));
  const commit = async (rows) => {
    // Two lines of one batch may share a key: keep the first, as ON CONFLICT would across statements.
    const unique = [...new Map(rows.map(([key, line]) => [key, line])).entries()];
    const values = unique.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(", ");
    await client.query(`INSERT INTO events (event_key, data) VALUES ${values} ON CONFLICT (event_key) DO NOTHING`, unique.flat());
  };
  return { commit, close: () => client.end() };
}

const sink = /^postgres(ql)?:\/\//i.test(db) ? await postgresSink(db) : await sqliteSink(db);
const keyed = (line) => {
  const value = JSON.parse(line);
  return [typeof value.id === "string" && value.object === "event" ? value.id : `sha256:${createHash("sha256").update(line).digest("hex")}`, line];
};

let batch = [];
let records = 0;
const decoder = new StringDecoder("utf8");
let pending = "";
for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
  const text = pending + decoder.write(chunk);
  let start = 0;
  for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
    if (end > start) batch.push(keyed(text.slice(start, end)));
    start = end + 1;
    if (batch.length === 1000) {
      await sink.commit(batch);
      records += batch.length;
      batch = [];
    }
  }
  pending = text.slice(start);
}
if (pending.length > 0) batch.push(keyed(pending));
if (batch.length > 0) await sink.commit(batch);
records += batch.length;
await sink.close();
process.stdout.write(`${records} records\n`);
