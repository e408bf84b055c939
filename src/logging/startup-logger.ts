// The log of the steps before the application exists (finding or starting the database): pino with the
// service's level and format, written synchronously so that a failed start still shows every line.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Env } from '../config/env.schema.js';
import { logFormatOptions, moduleOfContext, PRETTY_LOG_OPTIONS, usePrettyLogs } from './logging.module.js';

export function createStartupLogger(env: Pick<Env, 'LOG_LEVEL'>, context: string): Logger {
  const format = logFormatOptions();
  const module = moduleOfContext(context);
  const options = { ...format, level: env.LOG_LEVEL, base: { ...format.base, context }, mixin: () => ({ module }) };
  if (usePrettyLogs()) {
    return pino(options, pretty({ ...PRETTY_LOG_OPTIONS, sync: true }));
  }
  return pino(options, pino.destination({ dest: 1, sync: true }));
}
