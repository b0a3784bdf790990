import type { Database, Statement } from "better-sqlite3";
import type { SqlDatabase, SqlPort, SqlValue } from "../sqlPort.js";

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
 * An async transaction on SQLite's one connection lets other async work (an HTTP read) run between
 * BEGIN and COMMIT, where it would see uncommitted rows or nest a BEGIN: while a transaction is
 * open, every other call on the connection waits for it to end (a promise-chain mutex).
 */
export function sqliteDatabase(sqlite: Database): SqlDatabase {
  const port = sqlitePort(sqlite);
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
    run: (sql, params) => afterTransaction(() => port.run(sql, params)),
    write: (sql, params) => afterTransaction(() => port.write(sql, params)),
    async transaction(fn) {
      while (open) await open;
      let end!: () => void;
      open = new Promise<void>((resolve) => (end = resolve));
      try {
        begin.run();
        try {
          const result = await fn(port);
          commit.run();
          return result;
        } catch (error) {
          if (sqlite.inTransaction) rollback.run();
          throw error;
        }
      } finally {
        open = null;
        end();
      }
    },
    close: async () => {
      while (open) await open;
      sqlite.close();
    },
  };
}
