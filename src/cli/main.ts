import { main } from "./run.js";

// A reader that stops early (`stepstore steps | head -1`) closes the pipe: it has what it asked for. Stop quietly, as
// a Unix tool ended by SIGPIPE does (Node ignores that signal and reports EPIPE instead), not with a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(0);
});
// A closed stderr (`2>&1 | head -1`) loses only the message: the command still ends with its own exit code (2 for bad usage).
process.stderr.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

process.exitCode = await main(process.argv);
// The command has ended and written what it had to: nothing it left behind holds the process more than a second (the
// openai SDK's wait before a retry it will never make, once a stop signal ended a poll, lasts the server's Retry-After).
setTimeout(() => process.exit(), 1000).unref();
