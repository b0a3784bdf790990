import type { Database } from "better-sqlite3";

/** Records how far each projection has folded; prepared once for a connection's many appends. */
export function checkpointWriter(sqlite: Database): (name: string, position: number) => void {
  const upsert = sqlite.prepare("INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position");
  return (name, position) => void upsert.run(name, position);
}

export function readCheckpoints(sqlite: Database): { name: string; position: number }[] {
  return sqlite.prepare<[], { name: string; position: number }>("SELECT name, position FROM checkpoints ORDER BY name").all();
}

export function lastPosition(sqlite: Database): number {
  return sqlite.prepare<[], { p: number | null }>("SELECT max(position) AS p FROM events").get()?.p ?? 0;
}
