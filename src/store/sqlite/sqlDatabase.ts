import type { Database, Statement } from "better-sqlite3";
import type { SqlDatabase, SqlPort, SqlValue } from "../sqlPort.js";
import { isStoreBusy } from "../storeErrors.js";

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An async transaction on SQLite's one connection lets other async work (an HTTP read) run between
 * BEGIN and COMMIT, where it would see uncommitted rows or nest a BEGIN: while a transaction is
 * open, every other call on the connection waits for it to end (a promise-chain mutex). Transactions
 * take turns; a turn waiting for another process's write lock (a rebuild) waits off the event loop,
 * where SQLite's busy timeout would block it: the service keeps answering reads and its connections.
 * A read handing its pages to an async reader (`rowPages`) takes a turn too: its statement stays open
 * across the reader's waits, and better-sqlite3 runs nothing else on a connection while one is.
 */
export function sqliteDatabase(sqlite: Database): SqlDatabase {
  let rollbacks = 0;
  const port = sqlitePort(sqlite, () => rollbacks);
  const begin = sqlite.prepare("BEGIN IMMEDIATE");
  const commit = sqlite.prepare("COMMIT");
  const rollback = sqlite.prepare("ROLLBACK");
  const busyTimeout = Number(sqlite.pragma("busy_timeout", { simple: true }));
  // Run anew each time: SQLite sets this pragma when the statement is prepared, so a prepared one run again does nothing.
  const setBusyTimeout = (ms: number) => sqlite.pragma(`busy_timeout = ${ms}`);
  /**
   * BEGIN IMMEDIATE, retried with growing pauses while another process holds the write lock, until the busy timeout
   * from when the transaction was asked for (a turn that waited behind others does not get 30 s more). `begun` runs
   * as BEGIN succeeds, before anything else can: no other call slips into the transaction.
   */
  const beginWriting = async (deadline: number, begun: () => void) => {
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      setBusyTimeout(0);
      try {
        begin.run();
        begun();
        return;
      } catch (error) {
        if (!isStoreBusy(error) || performance.now() >= deadline) throw error;
      } finally {
        setBusyTimeout(busyTimeout);
      }
      await sleep(pause);
    }
  };
  let open: Promise<void> | null = null;
  let turns: Promise<unknown> = Promise.resolve();
  const afterTransaction = <T>(call: () => Promise<T>): Promise<T> => (open ? open.then(() => afterTransaction(call)) : call());
  /** Runs `hold` as the connection's next turn, after every turn asked for before it. */
  const inTurn = <T>(hold: () => Promise<T>): Promise<T> => {
    const turn = turns.then(hold);
    turns = turn.catch(() => {});
    return turn;
  };
  /** Holds the connection (every other call waits on `open`) until the returned release is called. */
  const hold = (): (() => void) => {
    let end!: () => void;
    open = new Promise<void>((resolve) => (end = resolve));
    return () => {
      open = null;
      end();
    };
  };
  const holding = async <T>(call: () => Promise<T>): Promise<T> => {
    const release = hold();
    try {
      return await call();
    } finally {
      release();
    }
  };
  const inTransaction = async <T>(fn: (tx: SqlPort) => Promise<T>, deadline: number): Promise<T> => {
    let release!: () => void;
    await beginWriting(deadline, () => (release = hold()));
    try {
      const result = await fn(port);
      commit.run();
      return result;
    } catch (error) {
      rollbacks++;
      if (sqlite.inTransaction) rollback.run();
      throw error;
    } finally {
      release();
    }
  };
  return {
    dialect: "sqlite",
    all: (sql, params) => afterTransaction(() => port.all(sql, params)),
    get: (sql, params) => afterTransaction(() => port.get(sql, params)),
    rows: (sql, params) => afterTransaction(() => port.rows(sql, params)),
    rowPages: (sql, params, size, onPage) => inTurn(() => holding(() => port.rowPages(sql, params, size, onPage))),
    run: (sql, params) => afterTransaction(() => port.run(sql, params)),
    write: (sql, params) => afterTransaction(() => port.write(sql, params)),
    transaction(fn) {
      const deadline = performance.now() + busyTimeout;
      return inTurn(() => inTransaction(fn, deadline));
    },
    close: async () => {
      await turns;
      while (open) await open;
      sqlite.close();
    },
  };
}
