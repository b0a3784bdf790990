import type { Database, Statement } from "better-sqlite3";
import type { SqlDatabase, SqlPort, SqlValue } from "../sqlPort.js";
import { walFileSync, walSync, type WalSync } from "./walSync.js";

/**
 * The SQLite side of the port: statements prepared once per SQL text and run synchronously, their
 * answers handed back as resolved promises, so the async port costs the hot path no I/O wait.
 */
function sqlitePort(sqlite: Database): SqlPort {
  const prepared = new Map<string, Statement<SqlValue[]>>();
  const statement = (sql: string) => {
    let found = prepared.get(sql);
    if (!found) prepared.set(sql, (found = sqlite.prepare<SqlValue[]>(sql)));
    return found;
  };
  const preparedRaw = new Map<string, Statement<SqlValue[]>>();
  const rawStatement = (sql: string) => {
    let found = preparedRaw.get(sql);
    if (!found) preparedRaw.set(sql, (found = sqlite.prepare<SqlValue[]>(sql).raw(true)));
    return found;
  };
  return {
    dialect: "sqlite",
    all: <T>(sql: string, params: readonly SqlValue[] = []) => Promise.resolve(statement(sql).all(...params) as T[]),
    get: <T>(sql: string, params: readonly SqlValue[] = []) => Promise.resolve(statement(sql).get(...params) as T | undefined),
    rows: (sql: string, params: readonly SqlValue[] = []) => Promise.resolve(rawStatement(sql).all(...params) as SqlValue[][]),
    run: (sql: string, params: readonly SqlValue[] = []) => {
      const { changes, lastInsertRowid } = statement(sql).run(...params);
      return Promise.resolve({ changes, lastInsertRowid: Number(lastInsertRowid) });
    },
    write: (sql: string, params: readonly SqlValue[] = []) => Promise.resolve(void statement(sql).run(...params)),
  };
}

/**
 * How a connection's commits reach the disk: a writable WAL file's are synced off the event loop (walSync.ts), so
 * its COMMIT no longer syncs; other connections (read-only, in memory) keep theirs as they are.
 */
function commitSyncOf(sqlite: Database, flusher?: Parameters<typeof walSync>[0]): WalSync | null {
  if (sqlite.readonly || sqlite.memory || sqlite.pragma("journal_mode", { simple: true }) !== "wal") return null;
  sqlite.pragma("synchronous = NORMAL");
  return walSync(flusher ?? walFileSync(`${sqlite.name}-wal`));
}

/**
 * An async transaction on SQLite's one connection lets other async work (an HTTP read) run between
 * BEGIN and COMMIT, where it would see uncommitted rows or nest a BEGIN: while a transaction is
 * open, every other call on the connection waits for it to end (a promise-chain mutex). A transaction
 * is answered once its commit is synced (the next may begin meanwhile). `flusher`: how the WAL is synced (tests).
 */
export function sqliteDatabase(sqlite: Database, flusher?: Parameters<typeof walSync>[0]): SqlDatabase {
  const port = sqlitePort(sqlite);
  const sync = commitSyncOf(sqlite, flusher);
  const durable = async <T>(result: T): Promise<T> => {
    await sync?.durable(sync.committed());
    return result;
  };
  const begin = sqlite.prepare("BEGIN IMMEDIATE");
  const commit = sqlite.prepare("COMMIT");
  const rollback = sqlite.prepare("ROLLBACK");
  let open: Promise<void> | null = null;
  const afterTransaction = <T>(call: () => Promise<T>): Promise<T> => (open ? open.then(() => afterTransaction(call)) : call());
  return {
    dialect: "sqlite",
    all: (sql, params) => afterTransaction(() => port.all(sql, params)),
    get: (sql, params) => afterTransaction(() => port.get(sql, params)),
    rows: (sql, params) => afterTransaction(() => port.rows(sql, params)),
    run: (sql, params) => afterTransaction(() => port.run(sql, params)).then(durable),
    write: (sql, params) => afterTransaction(() => port.write(sql, params)).then(durable),
    async transaction(fn) {
      while (open) await open;
      let end!: () => void;
      open = new Promise<void>((resolve) => (end = resolve));
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        begin.run();
        try {
          result = await fn(port);
          commit.run();
        } catch (error) {
          if (sqlite.inTransaction) rollback.run();
          throw error;
        }
      } finally {
        open = null;
        end();
      }
      return durable(result);
    },
    close: async () => {
      while (open) await open;
      sqlite.close();
      await sync?.close();
    },
  };
}
