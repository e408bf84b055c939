// The log of the steps before the application exists (finding or starting the database): pino with the
// service's level and format, written synchronously so that a failed start still shows every line.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Env } from '../config/env.schema.js';
import { PRETTY_LOG_OPTIONS, usePrettyLogs } from './logging.module.js';

export function createStartupLogger(env: Pick<Env, 'LOG_LEVEL'>, context: string): Logger {
  const options = { level: env.LOG_LEVEL, base: { pid: process.pid, context } };
  if (usePrettyLogs()) {
    return pino(options, pretty({ ...PRETTY_LOG_OPTIONS, sync: true }));
  }
  return pino(options, pino.destination({ dest: 1, sync: true }));
}
