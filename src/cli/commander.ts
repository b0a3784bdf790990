import { createRequire } from "node:module";
import type * as commander from "commander";

/*
 * commander, required rather than imported: when ESM imports a CommonJS package, Node 20 first reads its source for
 * the names it exports, which cost every command about 15 ms of its start (alternating runs against `node -e 0`).
 */
const required = createRequire(import.meta.url)("commander") as typeof commander;

export const Command = required.Command;
export type Command = commander.Command;
export const Option = required.Option;
export type Option = commander.Option;
export const CommanderError = required.CommanderError;
export type CommanderError = commander.CommanderError;
