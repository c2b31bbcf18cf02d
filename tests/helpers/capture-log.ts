import { pino, type Logger } from 'pino';

export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A pino logger whose lines a test can read back, parsed. */
export function captureLog(level: pino.Level = 'debug'): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}
