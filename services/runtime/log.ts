// Structured logs: one JSON event per line on standard error, with service and
// actor names. The CLI's human output goes to standard output, never here.

import { type Logger, pino } from "pino";

export type { Logger };

let root: Logger | undefined;

export function rootLogger(level = process.env["IPV6MATRIX_TELEMETRY_LOG_LEVEL"] ?? "info"): Logger {
  root ??= pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
  return root;
}

/** Sets the level of every logger made so far and later. */
export function setLogLevel(level: string): void {
  rootLogger().level = level;
}

export function logger(bindings: { service: string; actor?: string; crawl?: string }): Logger {
  return rootLogger().child(bindings);
}
