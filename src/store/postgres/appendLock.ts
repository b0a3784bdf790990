import { BUSY_TIMEOUT_MS } from "../storeErrors.js";

/** The advisory lock key of the log's appends (any bigint no other lock of this database uses: "Step" + 1). */
export const APPEND_LOCK_KEY = 0x5374_6570_0001;

/**
 * Taken first in every append transaction, held until it commits or rolls back: appends, and with them the projection
 * updates of their steps, run one at a time across every process on the database. It is sent with the transaction's
 * first statements (its reads and its insert, in one packet: database.ts's `lock`), not in BEGIN's round trip: a lock
 * granted there would be held while the grant travelled back and the reads travelled out, a round trip more each
 * hold. Between hosts a hold's round trips are what the database's appends wait for one after another (through a
 * proxy holding each packet 1 ms each way, two serves went from 0.69–0.90× one serve to 0.85–0.94×). On loopback it
 * costs two serves: a group no longer grows while its transaction waits for the lock (README, PostgreSQL).
 *
 * Why: a `bigserial` is not commit-ordered. Two transactions draw positions 7 and 8; if 8 commits first,
 * a reader of "events after 6" sees 8, moves its mark to 8, and never sees 7. Under this lock a
 * transaction draws its positions only after the previous holder committed (PostgreSQL makes a commit
 * visible before it releases the transaction's locks), so positions become visible in order and
 * "after P" never skips a late commit. It also gives every projection update of a step every earlier
 * committed event of that step. The cost, one writer at a time, is what SQLite has anyway; a
 * transaction that rolls back leaves a gap in the positions, never a reordering.
 */
export const LOCK_LOG_FOR_APPEND = `SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY})`;

/**
 * How long an append waits for the append lock (or any lock) before it fails: SQLite's busy timeout, so that an append
 * behind another process's long hold (a rebuild, ~1 minute at 300,000 steps) is answered as on SQLite, 503 and
 * Retry-After from `serve` (SQLSTATE 55P03, storeErrors.ts), where webhooks waited the whole rebuild, queued in memory.
 */
const LOCK_WAIT = `SET LOCAL lock_timeout = ${BUSY_TIMEOUT_MS}`;

/**
 * How every append transaction opens: BEGIN and its commit made asynchronous (see COMMIT_APPEND), in one round trip
 * (one simple query), during which the group commit's next group keeps growing (groupCommit.ts takes it after).
 * READ COMMITTED whatever the database's default: each statement after the lock must see what the previous holder
 * committed (REPEATABLE READ would take its snapshot at the lock's SELECT, before the lock was granted). Sequential
 * scans off: every statement of an append reads and writes by key, and a connection keeps the generic plan of each
 * (prepared.ts) from when it was made; made while a new store's tables were empty (before autovacuum first analyzes
 * them), that plan scanned them whole at every append as they grew (one `serve` on a new database: 1,144 webhooks/s,
 * against 1,879 with indexes, on a 2-core machine).
 */
export const BEGIN_APPEND = `BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit = off; SET LOCAL enable_seqscan = off; ${LOCK_WAIT}`;

/**
 * How every append transaction ends: COMMIT, which under `synchronous_commit = off` makes the transaction visible and
 * releases the append lock without waiting for its WAL to reach the disk, then, in the same message, a durability
 * barrier: a transaction of its own that writes one WAL record (a logical decoding message, which holds no lock and
 * leaves no row) and commits under the database's own `synchronous_commit`, so it waits until the WAL up to its
 * commit, which lies after the append's, is flushed (and replicated where the database asks for that). The answer
 * comes once both ran, so nothing is acknowledged before it is durable; but the flush (the costliest part of an
 * append, ~1 ms under load) is no longer waited for under the lock, and appenders of several processes flush together.
 */
export const COMMIT_APPEND = "COMMIT; SELECT pg_logical_emit_message(true, 'stepstore', 'durable')";
