/**
 * What a command gets besides its own options: where the database is, how to print, who the
 * user is, what day it is. Built once from the global flags and the environment, so commands
 * never look at process.* themselves and tests can inject every part.
 */
import os from 'node:os';
import { UsageError } from '../errors.js';
import { FORMATS, type Format, type RenderOptions, type Sink, type TableModel } from '../render/model.js';

export interface GlobalOptions {
  db?: string;
  format?: string;
  color?: boolean;
  bom?: boolean;
  delimiter?: string;
  quiet?: boolean;
  debug?: boolean;
  user?: string;
}

export interface Streams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface Context {
  readonly dbFlag: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly render: RenderOptions;
  readonly quiet: boolean;
  readonly debug: boolean;
  readonly user: string;
  /** true when a person can answer prompts: stdin and stderr are terminals and not CI */
  readonly interactive: boolean;
  /** colour on stderr messages */
  readonly stderrColor: boolean;
  readonly streams: Streams;
  now(): Date;
  /** Prints one model with the chosen format to stdout. */
  output(model: TableModel): Promise<void>;
  /** Prints several tables as one output (see renderSections); CSV gets `csvSection`. */
  outputSections(sections: readonly { key: string; model: TableModel }[], csvSection?: string): Promise<void>;
  /** A progress or status line on stderr; silent with --quiet. */
  info(message: string): void;
  /** A warning on stderr; shown even with --quiet. */
  warn(message: string): void;
}

const DELIMITERS: Record<string, string> = { ',': ',', ';': ';', '|': '|', tab: '\t', '\\t': '\t', '\t': '\t' };

export function parseDelimiter(value: string | undefined, fallback = ','): string {
  if (value === undefined) return fallback;
  const d = DELIMITERS[value];
  if (!d) throw new UsageError(`--delimiter must be one of , ; | tab (got ${JSON.stringify(value)})`);
  return d;
}

export function parseFormat(value: string | undefined, stdoutIsTty: boolean): Format {
  if (value === undefined) return stdoutIsTty ? 'table' : 'csv';
  if (!(FORMATS as readonly string[]).includes(value)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as Format;
}

/** NO_COLOR (any non-empty value) and --no-color always win; FORCE_COLOR forces it on. */
export function colorWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export function currentUser(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag;
  if (env.CRM_USER) return env.CRM_USER;
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? 'unknown';
  }
}

/** Collects small writes into bigger ones: one syscall per 64 KiB instead of one per row. */
class BufferedSink implements Sink {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly stream: NodeJS.WritableStream) {}
  write(chunk: string): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= 65536) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    this.stream.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

export function createContext(g: GlobalOptions, streams: Streams, env: NodeJS.ProcessEnv = process.env): Context {
  const format = parseFormat(g.format, streams.stdout.isTTY === true);
  const render: RenderOptions = {
    format,
    color: format === 'table' && colorWanted(streams.stdout, env, g.color),
    bom: g.bom ?? false,
    delimiter: parseDelimiter(g.delimiter),
  };
  const quiet = g.quiet ?? false;
  return {
    dbFlag: g.db,
    env,
    render,
    quiet,
    debug: g.debug ?? false,
    user: currentUser(g.user, env),
    interactive: streams.stdin.isTTY === true && streams.stderr.isTTY === true && !env.CI,
    stderrColor: colorWanted(streams.stderr, env, g.color),
    streams,
    now: () => new Date(),
    async output(model) {
      const { render: doRender } = await import('../render/index.js');
      const sink = new BufferedSink(streams.stdout);
      doRender(model, render, sink);
      sink.flush();
    },
    async outputSections(sections, csvSection) {
      const { renderSections } = await import('../render/index.js');
      const sink = new BufferedSink(streams.stdout);
      renderSections(sections, render, sink, csvSection);
      sink.flush();
    },
    info(message) {
      if (!quiet) streams.stderr.write(message + '\n');
    },
    warn(message) {
      streams.stderr.write(message + '\n');
    },
  };
}
