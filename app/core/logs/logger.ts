// Logger: lines to a size-rotated file (tessera.log, .1, .2 ...), the last entries in memory
// for logs.tail, and 'log' events for the UI. Writes are synchronous appends: they are short,
// and a crash right after an error must not lose the line that explains it.
import fs from 'node:fs';
import path from 'node:path';
import type { LogEntry, LogLevel } from '../../contract/entities.js';
import type { EventSink } from '../../contract/api.js';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LoggerOptions {
  dir: string | null;
  fileName?: string;
  maxBytes?: number;
  keepFiles?: number;
  memoryEntries?: number;
  level?: LogLevel;
  events?: EventSink;
  /** Mirror to stderr (headless server). */
  echo?: boolean;
}

export class Logger {
  private readonly file: string | null;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly memory: LogEntry[] = [];
  private readonly memoryMax: number;
  private size = 0;
  private writeFailed = false;
  level: LogLevel;

  constructor(private readonly opts: LoggerOptions) {
    this.file = opts.dir ? path.join(opts.dir, opts.fileName ?? 'tessera.log') : null;
    this.maxBytes = opts.maxBytes ?? 5 * 1024 * 1024;
    this.keep = opts.keepFiles ?? 3;
    this.memoryMax = opts.memoryEntries ?? 2000;
    this.level = opts.level ?? 'info';
    if (this.file) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      try { this.size = fs.statSync(this.file).size; } catch { this.size = 0; }
    }
  }

  get path(): string | null { return this.file; }

  child(source: string): SourceLogger {
    return {
      debug: (m) => this.log('debug', source, m),
      info: (m) => this.log('info', source, m),
      warn: (m) => this.log('warn', source, m),
      error: (m) => this.log('error', source, m),
    };
  }

  log(level: LogLevel, source: string, message: string): void {
    if (RANK[level] < RANK[this.level]) return;
    const entry: LogEntry = { time: Date.now(), level, source, message };
    this.memory.push(entry);
    if (this.memory.length > this.memoryMax) this.memory.splice(0, this.memory.length - this.memoryMax);
    const line = `${new Date(entry.time).toISOString()} ${level.toUpperCase().padEnd(5)} [${source}] ${message}\n`;
    if (this.opts.echo) process.stderr.write(line);
    this.append(line);
    this.opts.events?.emit('log', entry);
  }

  tail(limit = 200, minLevel: LogLevel = 'debug'): LogEntry[] {
    const out = this.memory.filter((e) => RANK[e.level] >= RANK[minLevel]);
    return out.slice(Math.max(0, out.length - limit));
  }

  private append(line: string): void {
    if (!this.file || this.writeFailed) return;
    try {
      const bytes = Buffer.byteLength(line);
      if (this.size + bytes > this.maxBytes && this.size > 0) this.rotate();
      fs.appendFileSync(this.file, line);
      this.size += bytes;
    } catch (e) {
      // Disk full or read-only: keep logging to memory rather than failing the caller.
      this.writeFailed = true;
      process.stderr.write(`tessera: cannot write the log file ${this.file}: ${(e as Error).message}\n`);
    }
  }

  private rotate(): void {
    const f = this.file!;
    for (let i = this.keep - 1; i >= 1; i--) {
      const from = i === 1 ? f : `${f}.${i - 1}`;
      if (fs.existsSync(from)) fs.renameSync(from, `${f}.${i}`);
    }
    if (this.keep <= 1) fs.rmSync(f, { force: true });
    this.size = 0;
  }
}

export interface SourceLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
