import type { Database, Statement } from "better-sqlite3";
import type { SqlDatabase, SqlPort, SqlValue } from "../sqlPort.js";
import { createTurns } from "./turns.js";
import { writeTransactions } from "./writeTransaction.js";

/**
 * The SQLite side of the port: statements prepared once per SQL text and run synchronously, their
 * answers handed back as resolved promises, so the async port costs the hot path no I/O wait.
 */
function sqlitePort(sqlite: Database, rollbacks: () => number): SqlPort {
  const prepared = new Map<string, Statement<SqlValue[]>>();
  const statement = (sql: string) => {
    let found = prepared.get(sql);
    if (!found) prepared.set(sql, (found = sqlite.prepare<SqlValue[]>(sql)));
    return found;
  };
  const dataVersion = sqlite.prepare("PRAGMA data_version").pluck();
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
    // The statement stays open while each page is taken: sqliteDatabase holds the connection for it meanwhile.
    async rowPages(sql, params, size, onPage) {
      let page: SqlValue[][] = [];
      for (const row of rawStatement(sql).iterate(...params) as IterableIterator<SqlValue[]>) {
        page.push(row);
        if (page.length === size) {
          await onPage(page);
          page = [];
        }
      }
      if (page.length > 0) await onPage(page);
    },
    run: (sql: string, params: readonly SqlValue[] = []) => {
      const { changes, lastInsertRowid } = statement(sql).run(...params);
      return Promise.resolve({ changes, lastInsertRowid: Number(lastInsertRowid) });
    },
    write: (sql: string, params: readonly SqlValue[] = []) => Promise.resolve(void statement(sql).run(...params)),
    // Inside a transaction the pragma costs ~0.1 µs; outside, a read lock (~5 µs).
    rowsEpoch: () => `${dataVersion.get() as number}:${rollbacks()}`,
  };
}

/**
 * The store's connection as a SqlDatabase: reads and lone writes wait while a transaction holds it; transactions and
 * paged reads (`rowPages`, whose statement stays open across the reader's waits, and better-sqlite3 runs nothing else
 * on a connection while one is) take turns (turns.ts); a turn waiting for another process's write lock waits off the
 * event loop (writeTransaction.ts).
 */
export function sqliteDatabase(sqlite: Database): SqlDatabase {
  let rollbacks = 0;
  const port = sqlitePort(sqlite, () => rollbacks);
  const turns = createTurns();
  const transaction = writeTransactions(sqlite, port, turns.hold, () => rollbacks++);
  return {
    dialect: "sqlite",
    all: (sql, params) => turns.afterHold(() => port.all(sql, params)),
    get: (sql, params) => turns.afterHold(() => port.get(sql, params)),
    rows: (sql, params) => turns.afterHold(() => port.rows(sql, params)),
    rowPages: (sql, params, size, onPage) => turns.inTurn(() => turns.holding(() => port.rowPages(sql, params, size, onPage))),
    run: (sql, params) => turns.afterHold(() => port.run(sql, params)),
    write: (sql, params) => turns.afterHold(() => port.write(sql, params)),
    transaction: (fn) => turns.inTurn(transaction(fn)),
    close: async () => {
      await turns.settled();
      sqlite.close();
    },
  };
}
