import { Command, Option } from "./commander.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { STEP_STATUSES } from "../records/statuses.js";
import { EXIT } from "./errors.js";
import { cliIo, type CliIo } from "./io.js";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

// Commander's own default width, for the run's streams: a terminal's columns, else none (it then wraps at 80; its type omits undefined).
const helpWidth = (stream: CliIo["stdout"]) => (stream.isTTY ? stream.columns : undefined) as number;
// Commander writes help and usage errors to the run's streams.
const commanderOutput = {
  writeOut: (text: string) => void cliIo().stdout.write(text),
  writeErr: (text: string) => void cliIo().stderr.write(text),
  getOutHelpWidth: () => helpWidth(cliIo().stdout),
  getErrHelpWidth: () => helpWidth(cliIo().stderr),
};

const dbOption = () => new Option("--db <path>", "database file or postgres:// URL (default $STEPSTORE_DB, else ./data/stepstore.db)");
const formatOption = (choices: string[], fallback: string) => new Option("--format <format>", "output format").choices(choices).default(fallback);

/** A flag given more than once: each value kept, in order. */
const repeatable = (value: string, previous: string[] = []) => [...previous, value];

/** `report`'s filters and price table, as `/v1/stats` and `/report` take them in the query string. */
const REPORT_OPTIONS = [
  ["--from <date>", "first UTC day (YYYY-MM-DD, inclusive) of created_at"],
  ["--to <date>", "last UTC day (YYYY-MM-DD, inclusive) of created_at"],
  ["--assistant <id>", "only this assistant's steps"],
  ["--model <model>", "only the steps of runs of this model ('(unknown)': runs with no model known: no snapshot, or none named)"],
  ["--prices <file>", "price table JSON for cost_usd (default $STEPSTORE_PRICES, else the shipped table)"],
] as const;

type Action = (...args: never[]) => Promise<number | void>;

/** A command's action, its module loaded only when the command runs: a run loads what its own command needs, not every command's libraries. */
const lazy = <M, K extends keyof M>(load: () => Promise<M>, name: K): Action =>
  async (...args: never[]) => ((await load())[name] as Action)(...args);

/** Wraps a command's action, keeping its exit code for one program alone (each run builds its own). */
function actionRunner() {
  let exitCode: number = EXIT.ok;
  const run = (action: Action) => async (...args: unknown[]) => {
    try {
      exitCode = (await (action as (...a: unknown[]) => Promise<number | void>)(...args)) ?? EXIT.ok;
    } catch (error) {
      // SQLite's errors about the file after opening ("database disk image is malformed") say no file either: every error about the store names it.
      const code = (error as { code?: unknown }).code;
      const options = args.at(-2) as { db?: string } | undefined;
      if (typeof code !== "string" || !code.startsWith("SQLITE_")) throw error;
      const [{ isAboutTheFile, naming }, { dbPath }] = await Promise.all([import("../store/storeErrors.js"), import("./db.js")]);
      throw isAboutTheFile(code) ? naming(resolve(dbPath(options?.db)), error) : error;
    }
  };
  return { run, exitCode: () => exitCode };
}

/** Declares a command whose action is `exported` from the module `load` gives, loaded when the command runs. */
type Declare = <M, K extends keyof M>(name: string, description: string, load: () => Promise<M>, exported: K) => Command;

/** The commands that read the store's rows, its log, its rejections, and SQL over it. */
function declareReads(command: Declare): void {
  command("steps", "run-step rows, ordered by created_at then id", () => import("./commands/read.js"), "stepsCommand")
    .option("--thread <id>", "only this thread")
    .option("--run <id>", "only this run")
    .addOption(new Option("--status <status>", "only this status").choices(STEP_STATUSES))
    .addOption(formatOption(["jsonl", "json", "table"], "jsonl"));

  command("events", "the log's rows for one step, for one run and all its steps, or (neither flag) the whole log", () => import("./commands/read.js"), "eventsCommand")
    .option("--step <id>", "one step")
    .option("--run <id>", "one run and its steps")
    .addOption(formatOption(["jsonl", "table"], "jsonl"));

  command("rejections", "rejected records with reason, path and origin", () => import("./commands/read.js"), "rejectionsCommand")
    .addOption(formatOption(["jsonl", "table"], "jsonl"));

  command("sql", "run a query on a read-only connection", () => import("./commands/read.js"), "sqlCommand")
    .argument("<query>", "one SQL statement")
    .addOption(formatOption(["table", "json", "jsonl", "csv"], "table"))
    .option("--timeout <seconds>", "stop the query after this long (exit 1)", "30")
    .option("--max-rows <n>", "print at most this many rows (the rest are cut, with a note on stderr)", "100000");

}

/** `poll`: the openai SDK's listings of runs and steps, appended. */
function declarePoll(command: Declare): void {
  command("poll", "list runs and their steps with the openai SDK and append every snapshot", () => import("./commands/poll.js"), "pollCommand")
    .option("--thread <ids...>", "thread ids: poll every run of each")
    .option("--thread-file <file>", "thread ids one a line (# comments); repeatable", repeatable)
    .option("--run <ids...>", "runs as THREAD_ID/RUN_ID")
    .option("--open", "every run the store knows that is not finished")
    .option("--follow", "repeat every --interval seconds until the watched runs finish")
    .option("--interval <seconds>", "seconds between rounds with --follow", "5")
    .option("--include-content", "ask for file_search results' content")
    .option("--base-url <url>", "API base URL (default $OPENAI_BASE_URL, else the SDK's)")
    .option("--query <name=value>", "extra query parameter on every request, e.g. api-version=…; repeatable", repeatable, [])
    .option("--header <name=value>", "extra header on every request, e.g. api-key=…; repeatable", repeatable, [])
    .option("--max-retries <n>", "SDK retries for 408/409/429/5xx and connection errors (Retry-After honoured)", "5")
    .option("--timeout <seconds>", "each request's time limit; one that runs over is retried as a connection error", "60")
    .option("--concurrency <n>", "listings in flight at once", "4")
    .option("--json", "print the summary as one JSON object");
}

/** `report`: a dimension's rows, filtered (REPORT_OPTIONS), in a format. */
function declareReport(command: Declare): void {
  const report = command("report", "failure rates, completion times and tokens by one dimension (CONTRACT §7)", () => import("./commands/report.js"), "reportCommand")
    .addOption(new Option("--by <dimension>", "group steps by").choices(["assistant", "day", "hour", "model", "type", "tool", "error"]).default("assistant"));
  for (const [flags, description] of REPORT_OPTIONS) report.option(flags, description);
  report.addOption(formatOption(["json", "csv", "md", "html"], "json")).option("--out <file>", "write to FILE instead of stdout (- : stdout)");
}

/** The program and, once parsed, its action's exit code: built afresh for every run, so no run sees another's. */
export function buildProgram(): { program: Command; exitCode: () => number } {
  const { run, exitCode } = actionRunner();
  const program = new Command("stepstore")
    .description("The durable, queryable home for OpenAI Assistants API run steps")
    .version(version)
    .exitOverride()
    .showHelpAfterError()
    .configureOutput(commanderOutput);
  // Each command's action is loaded when it runs: a run loads only its own command.
  const command: Declare = (name, description, load, exported) => program.command(name).description(description).action(run(lazy(load, exported)));

  command("ingest", "append records from files, folders or stdin (-)", () => import("./commands/ingest.js"), "ingestCommand")
    .argument("<paths...>", "files, folders, or - for stdin")
    .addOption(new Option("--format <format>", "input format").choices(["auto", "jsonl", "json", "sse"]).default("auto"))
    .option("--json", "print the summary as one JSON object");

  declareReads(command);
  declarePoll(command);
  command("serve", "the HTTP service: signed webhooks and bulk ingest in, OpenAI-compatible run steps out", () => import("./commands/serve.js"), "serveCommand")
    .option("--host <host>", "address to listen on (non-loopback needs STEPSTORE_API_KEY)", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: any free port)", "8787");

  declareReport(command);
  command("rebuild", "drop and refold every projection from the log", () => import("./commands/projections.js"), "rebuildCommand");
  command("verify", "check the file (SQLite: PRAGMA integrity_check), then fold the log and compare with the tables", () => import("./commands/projections.js"), "verifyCommand");
  command("status", "counts, positions, checkpoints, database path and size", () => import("./commands/read.js"), "statusCommand");
  // Every command takes `--db`, listed last in its help.
  for (const sub of program.commands) sub.addOption(dbOption());
  for (const sub of program.commands) refuseRepeats(sub);
  for (const sub of program.commands) refuseEmpty(sub);
  return { program, exitCode };
}

/**
 * An option that takes one value, given twice (`--status failed --status expired`), is bad usage: commander would keep
 * the last and silently drop the first, answering a question the user did not ask. Lists are variadic or `repeatable`.
 */
function refuseRepeats(command: Command): void {
  for (const option of command.options) {
    if (option.isBoolean() || option.variadic || option.parseArg === repeatable) continue;
    let given = false;
    command.on(`option:${option.name()}`, () => {
      if (given) command.error(`error: option '${option.flags}' given more than once; it takes one value`, { exitCode: 2, code: "stepstore.optionRepeated" });
      given = true;
    });
  }
}

/**
 * An option given an empty value (`--thread ""`, `--db ""`, what an unset shell variable leaves) names nothing: bad usage,
 * as no one types it meaning "none" or "the default" (`--db ""` would resolve to the working folder, `--thread ""` match no step).
 */
function refuseEmpty(command: Command): void {
  for (const option of command.options) {
    if (option.isBoolean()) continue;
    command.on(`option:${option.name()}`, (value: unknown) => {
      if (value === "") command.error(`error: option '${option.flags}' is empty: give a value, or leave the option out`, { exitCode: 2, code: "stepstore.optionEmpty" });
    });
  }
}
