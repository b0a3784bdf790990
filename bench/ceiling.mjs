// The raw ceiling: a plain better-sqlite3 script that reads each line, JSON.parses it and inserts it
// with its key into a WAL table with a unique key, 1,000 lines a transaction. Usage: node ceiling.mjs FILE DB
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

const [file, dbPath] = process.argv.slice(2);
const db = new Database(dbPath);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL"); // the durability stepstore runs with
db.exec("CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, event_key TEXT NOT NULL UNIQUE, data TEXT NOT NULL)");
const insert = db.prepare("INSERT INTO events (event_key, data) VALUES (?, ?) ON CONFLICT(event_key) DO NOTHING");
const commit = db.transaction((lines) => {
  for (const line of lines) {
    const value = JSON.parse(line);
    const key = typeof value.id === "string" && value.object === "event" ? value.id : `sha256:${createHash("sha256").update(line).digest("hex")}`;
    insert.run(key, line);
  }
});

let batch = [];
let records = 0;
const decoder = new StringDecoder("utf8");
let pending = "";
for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
  const text = pending + decoder.write(chunk);
  let start = 0;
  for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
    if (end > start) batch.push(text.slice(start, end));
    start = end + 1;
    if (batch.length === 1000) {
      commit(batch);
      records += batch.length;
      batch = [];
    }
  }
  pending = text.slice(start);
}
if (pending.length > 0) batch.push(pending);
commit(batch);
records += batch.length;
db.close();
process.stdout.write(`${records} records\n`);
