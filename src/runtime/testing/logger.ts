/** A pino logger for tests that keeps every line in memory instead of printing it. */
import { pino, type Logger } from 'pino';

/** A logger plus the parsed JSON lines it wrote. */
export interface MemoryLogger {
  logger: Logger;
  lines: Record<string, unknown>[];
}

/** Creates a debug-level pino logger whose output lands in `lines`. */
export function memoryLogger(): MemoryLogger {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string): void {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}
