/**
 * One connection's turns. An async transaction on SQLite's one connection lets other async work (an HTTP read) run
 * between BEGIN and COMMIT, where it would see uncommitted rows or nest a BEGIN: while a transaction holds the
 * connection, every other call on it waits (a promise-chain mutex). Transactions take turns, one after another; a read
 * handing its pages to an async reader takes a turn too, its statement staying open across the reader's waits.
 */
export interface Turns {
  /** Runs `call` once nothing holds the connection (a read, or a write outside a transaction). */
  afterHold<T>(call: () => Promise<T>): Promise<T>;
  /** Runs `turn` after every turn asked for before it. */
  inTurn<T>(turn: () => Promise<T>): Promise<T>;
  /** Holds the connection until the returned release is called: afterHold's calls wait. */
  hold(): () => void;
  /** Runs `call` holding the connection throughout. */
  holding<T>(call: () => Promise<T>): Promise<T>;
  /** Resolves once every turn asked for has ended and nothing holds the connection. */
  settled(): Promise<void>;
}

export function createTurns(): Turns {
  let open: Promise<void> | null = null;
  let turns: Promise<unknown> = Promise.resolve();
  const afterHold = <T>(call: () => Promise<T>): Promise<T> => (open ? open.then(() => afterHold(call)) : call());
  const hold = (): (() => void) => {
    let end!: () => void;
    open = new Promise<void>((resolve) => (end = resolve));
    return () => {
      open = null;
      end();
    };
  };
  return {
    afterHold,
    hold,
    inTurn(turn) {
      const next = turns.then(turn);
      turns = next.catch(() => {});
      return next;
    },
    async holding(call) {
      const release = hold();
      try {
        return await call();
      } finally {
        release();
      }
    },
    async settled() {
      await turns;
      while (open) await open;
    },
  };
}
