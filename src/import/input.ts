/**
 * Reading an input file: bytes → hash, encoding, format and delimiter detection → text chunks.
 * Streams, so a 1 GB file is read in bounded memory.
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { InputError, UsageError } from '../errors.js';

export type Encoding = 'utf-8' | 'windows-1251' | 'koi8-r' | 'utf-16le' | 'utf-16be';
export type InputFormat = 'csv' | 'json' | 'ndjson';

const ENCODING_NAMES: Record<string, Encoding> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'windows-1251': 'windows-1251',
  cp1251: 'windows-1251',
  win1251: 'windows-1251',
  '1251': 'windows-1251',
  'koi8-r': 'koi8-r',
  koi8r: 'koi8-r',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16': 'utf-16le',
  'utf-16be': 'utf-16be',
};

export function parseEncoding(name: string): Encoding {
  const e = ENCODING_NAMES[name.trim().toLowerCase()];
  if (!e) throw new UsageError(`unknown --encoding ${JSON.stringify(name)}`, 'use utf-8, cp1251 (windows-1251), koi8-r or utf-16le');
  return e;
}

const SAMPLE = 64 * 1024;

/** What an import found out about its input before reading it (the input itself aside). */
export interface InputFacts {
  /** the path as given, or 'stdin' */
  readonly name: string;
  /** the base name problems are reported with */
  readonly displayName: string;
  readonly encoding: Encoding;
  readonly bom: number;
  readonly format: InputFormat;
  readonly delimiter: string;
}

/** Byte chunks of a file or stdin ('-'), with the first SAMPLE bytes available up front. */
export class ByteSource {
  readonly hash: Hash = createHash('sha256');
  bytesRead = 0;
  private constructor(
    readonly name: string,
    readonly size: number | null,
    readonly sample: Buffer,
    private readonly rest: AsyncIterator<Buffer>,
  ) {}

  static async open(file: string, stdin: NodeJS.ReadableStream): Promise<ByteSource> {
    let stream: NodeJS.ReadableStream;
    let size: number | null = null;
    if (file === '-') {
      stream = stdin;
    } else {
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        throw new InputError(`${file}: no such file`, 'check the path; use - to read from stdin');
      }
      if (st.isDirectory()) throw new InputError(`${file} is a directory, not a file`);
      size = st.size;
      stream = fs.createReadStream(file, { highWaterMark: 1 << 16 });
    }
    const it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
    const head: Buffer[] = [];
    let have = 0;
    while (have < SAMPLE) {
      const n = await it.next();
      if (n.done) break;
      const b = typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
      head.push(b);
      have += b.length;
    }
    const sample = Buffer.concat(head);
    const rest: AsyncIterator<Buffer> = {
      next: async () => {
        const n = await it.next();
        if (n.done) return { done: true, value: undefined };
        return { done: false, value: typeof n.value === 'string' ? Buffer.from(n.value) : n.value };
      },
      return: async () => {
        await it.return?.();
        return { done: true, value: undefined };
      },
    };
    return new ByteSource(file === '-' ? 'stdin' : file, size, sample, rest);
  }

  /** Stops reading (the rest of the file is read elsewhere, or not at all). */
  async close(): Promise<void> {
    await this.rest.return?.();
  }

  /** Every byte, sample first, hashing as it goes. */
  async *chunks(): AsyncGenerator<Buffer> {
    if (this.sample.length) {
      this.hash.update(this.sample);
      this.bytesRead += this.sample.length;
      yield this.sample;
    }
    for (;;) {
      const n = await this.rest.next();
      if (n.done) return;
      this.hash.update(n.value);
      this.bytesRead += n.value.length;
      yield n.value;
    }
  }
}

/** Files that are not text at all, by their first bytes. */
export function sniffBinary(sample: Buffer, name: string): void {
  const starts = (sig: number[]) => sig.every((b, i) => sample[i] === b);
  if (starts([0x50, 0x4b, 0x03, 0x04])) {
    throw new InputError(`${name} is a ZIP archive (an Excel .xlsx file?), not CSV`, 'open it in Excel or LibreOffice and save as "CSV UTF-8"');
  }
  if (starts([0xd0, 0xcf, 0x11, 0xe0])) throw new InputError(`${name} is an old Excel .xls file, not CSV`, 'save it as "CSV UTF-8" first');
  if (starts([0x25, 0x50, 0x44, 0x46])) throw new InputError(`${name} is a PDF file, not CSV`);
  if (starts([0x1f, 0x8b])) throw new InputError(`${name} is gzip-compressed`, `decompress it first: gunzip -c ${name} | crm import ENTITY -`);
  if (starts([0x53, 0x51, 0x4c, 0x69, 0x74, 0x65])) throw new InputError(`${name} is a SQLite database, not CSV`);
}

/** BOM, else valid UTF-8, else Windows-1251 (the usual encoding of Russian spreadsheets). */
export function detectEncoding(sample: Buffer, complete: boolean): { encoding: Encoding; bom: number } {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !complete });
    return { encoding: 'utf-8', bom: 0 };
  } catch {
    return { encoding: 'windows-1251', bom: 0 };
  }
}

export function detectFormat(name: string, firstText: string): InputFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  if (lower.endsWith('.json')) return 'json';
  const first = firstText.trimStart()[0];
  if (first === '[') return 'json';
  if (first === '{') return 'ndjson';
  return 'csv';
}

/**
 * The delimiter that splits the first lines into the same number of fields (more than one),
 * preferring the one that gives the most fields. Quoted text is skipped.
 */
export function sniffDelimiter(text: string): string {
  const lines: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === '\n' && !quoted) {
      if (current.trim()) lines.push(current);
      current = '';
      if (lines.length >= 30) break;
      continue;
    }
    if (!quoted) current += ch;
  }
  if (current.trim() && lines.length < 30) lines.push(current);
  let best = ',';
  let bestScore = 0;
  for (const d of [',', ';', '\t', '|']) {
    const counts = lines.map((l) => l.split(d).length - 1);
    if (counts.length === 0 || counts[0] === 0) continue;
    const consistent = counts.filter((c) => c === counts[0]).length / counts.length;
    const score = consistent * 1000 + counts[0]!;
    if (consistent >= 0.8 && score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/** Decodes byte chunks to text; names the line of the first byte that is not valid in the encoding. */
export async function* decode(chunks: AsyncIterable<Buffer>, encoding: Encoding, bom: number, name: string): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8' });
  let skip = bom;
  let line = 1;
  for await (let chunk of chunks) {
    if (skip) {
      chunk = chunk.subarray(skip);
      skip = 0;
    }
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      const at = line + countByte(chunk, 0x0a, firstInvalidUtf8(chunk));
      throw new InputError(
        `${name}: not valid UTF-8 on line ${at}`,
        'the file is in another encoding: if it was saved by Excel on Windows, try --encoding cp1251',
      );
    }
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      const at = line + countNewlines(text, nul);
      throw new InputError(`${name}: a NUL byte on line ${at}: this is not a text file, or its encoding is UTF-16`, 'save it as CSV in UTF-8, or give --encoding utf-16le');
    }
    line += countNewlines(text, text.length);
    yield text;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

function countByte(buf: Buffer, byte: number, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte); i >= 0 && i < end; i = buf.indexOf(byte, i + 1)) n++;
  return n;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      if (i + k >= buf.length) return buf.length; // cut at the chunk's end: the next chunk decides
      if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += len;
  }
  return buf.length;
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
