import { CommanderError } from "./commander.js";
import { PassThrough, Writable } from "node:stream";
import { EXIT, UsageError } from "./errors.js";
import { cliIo, withCliIo } from "./io.js";
import { SettingError } from "../settings.js";
import { buildProgram } from "./program.js";

/** Runs one command line (`node`, script, then the arguments, as in `process.argv`) on the current streams: its exit code. */
export async function main(argv: string[]): Promise<number> {
  const { program, exitCode } = buildProgram();
  try {
    await program.parseAsync(argv);
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for (`--help`, `help steps`) and the version are answers; help shown for a missing command is bad usage.
      const asked = error.code === "commander.helpDisplayed" || error.code === "commander.version" || (error.code === "commander.help" && error.exitCode === 0);
      return asked ? EXIT.ok : EXIT.usage;
    }
    cliIo().stderr.write(`stepstore: ${(error as Error).message}\n`);
    return error instanceof UsageError || error instanceof SettingError ? EXIT.usage : EXIT.failure;
  }
}

interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps what is written to it, as a pipe's reader would receive it. */
function capture() {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/**
 * Runs `stepstore ARGS…` inside this process, as the binary would with `input` piped to stdin and
 * stdout/stderr piped back: the same exit code and bytes, no `process.exit`, nothing kept between runs.
 * The environment and working directory are this process's.
 */
export async function runCli(args: readonly string[], input: string | Buffer = ""): Promise<CliOutcome> {
  const stdin = new PassThrough();
  stdin.end(input);
  const stdout = capture();
  const stderr = capture();
  const code = await withCliIo({ stdin, stdout: stdout.stream, stderr: stderr.stream }, () => main(["node", "stepstore", ...args]));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
