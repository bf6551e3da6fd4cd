// Structured logs: one JSON event per line on standard error, with service and
// actor names. The CLI's human output goes to standard output, never here.

import { type Logger, pino } from "pino";

export type { Logger };

let root: Logger | undefined;

export function rootLogger(level = levelFromEnvironment()): Logger {
  root ??= pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
  return root;
}

/**
 * The level before the configuration is read: the variable when it names a
 * level pino knows, else info. A wrong value is not refused here (pino would
 * throw from whatever first logs): the configuration refuses it in one line.
 */
function levelFromEnvironment(): string {
  const level = process.env["IPV6MATRIX_TELEMETRY_LOG_LEVEL"];
  const known = level !== undefined && (Object.hasOwn(pino.levels.values, level) || level === "silent");
  return known ? level : "info";
}

/** Sets the level of every logger made so far and later. */
export function setLogLevel(level: string): void {
  rootLogger().level = level;
}

export function logger(bindings: { service: string; actor?: string; crawl?: string }): Logger {
  return rootLogger().child(bindings);
}
