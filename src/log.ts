/** pino JSON logs, one line per event; callers bind messageId / deliveryId into child loggers. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { svc: 'wasla', pid: process.pid, ...bindings }, timestamp: pino.stdTimeFunctions.isoTime });
}
