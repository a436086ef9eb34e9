import { describe, expect, it } from 'vitest';
import { FastCsv } from '../../src/import/csv-fast.js';
import { csvBatches, csvParseBatches } from '../../src/import/records.js';

/** A seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function* pieces(text: string, cuts: number[]): AsyncGenerator<string> {
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    if (c > at) yield text.slice(at, c);
    at = Math.max(at, c);
  }
  yield text.slice(at);
}

async function collect(gen: AsyncGenerator<string[][]>): Promise<{ records: string[][]; error?: string }> {
  const records: string[][] = [];
  try {
    for await (const b of gen) records.push(...b);
  } catch (err) {
    return { records, error: (err as Error).message };
  }
  return { records };
}

const opts = (delimiter: string) => ({ name: 'клиенты.csv', delimiter });

/**
 * FastCsv then csv-parse, and csv-parse alone. On an error only the errors are compared (records
 * before it may come out or not: the import stops either way). With CR in the text the line of
 * an error is left out: csv-parse counts a CRLF inside quotes as two lines, FastCsv as one.
 */
async function both(text: string, delimiter: string, cuts: number[]) {
  let fast = await collect(csvBatches(pieces(text, cuts), opts(delimiter)));
  let slow = await collect(csvParseBatches(pieces(text, []), opts(delimiter), 0));
  if (slow.error !== undefined && fast.error !== undefined) {
    const line = (e: string) => (text.includes('\r') ? e.replace(/line \d+/, 'line N') : e);
    fast = { records: [], error: line(fast.error) };
    slow = { records: [], error: line(slow.error) };
  }
  return { fast, slow };
}

const PLAIN = [
  'external_id,name,inn\nCL-1,ООО «Ромашка»,7707083893\nCL-2,"Иванов, Пётр",\n',
  'a,b\r\n"x ""y"" z",2\r\n',
  'a;b\n"multi\nline; text";2\n\n;\n',
  'a\tb\n1\t2', // no final newline
  'a|b\n"",""\n"|",|\n',
  'id,note\n1,"ends with quote """\n2,"""starts"\n',
  '\n\nheader,x\n1,2\n',
  'a,b\n1,2,3\n4\n', // ragged: both give the same records, the caller counts
];

const ODD = [
  'a,b\n1,x"y\n2,3\n', // a quote inside a plain field (relax_quotes)
  'a,b\n"1"x,2\n3,4\n', // text after a closing quote
  'a,b\r1,2\r3,4\r', // bare CR line ends
  'a,b\n1,2\n3,"never closed\n4,5\n', // an unclosed quote at the end
  'a,b\n1,2\n"x"\r5,6\n',
];

describe('FastCsv', () => {
  it('gives exactly what csv-parse gives on plain files, however the text is cut into pieces', async () => {
    const r = rng(42);
    for (const text of PLAIN) {
      for (const d of [',', ';', '\t', '|']) {
        for (let k = 0; k < 25; k++) {
          const cuts = Array.from({ length: Math.floor(r() * 6) }, () => Math.floor(r() * (text.length + 1)));
          const { fast, slow } = await both(text, d, cuts);
          expect(fast, `${JSON.stringify(text)} ${JSON.stringify(d)} cuts ${cuts}`).toEqual(slow);
        }
      }
    }
  });

  it('hands the odd cases to csv-parse and gets its records and its errors, with the right line', async () => {
    const r = rng(7);
    for (const text of ODD) {
      for (let k = 0; k < 25; k++) {
        const cuts = Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * (text.length + 1)));
        const { fast, slow } = await both(text, ',', cuts);
        expect(fast, `${JSON.stringify(text)} cuts ${cuts}`).toEqual(slow);
      }
    }
    // the fast part read three lines before it handed over: csv-parse's line is offset by them
    const { fast, slow } = await both('a,b\n1,2\n3,4\n5,"open\n6\n', ',', [9]);
    expect(fast.error).toMatch(/клиенты\.csv: a quote is opened and never closed .*near line \d+\)/);
    expect(fast.error).toBe(slow.error);
  });

  it('agrees with csv-parse on random CSV with quotes, delimiters, CR and LF in values', async () => {
    const r = rng(2026);
    const alphabet = ['а', 'Ё', 'x', ' ', ',', ';', '"', '\n', '\r\n', '\r', '""', '«»'];
    for (let k = 0; k < 300; k++) {
      const rows: string[] = [];
      for (let i = 0; i < 1 + Math.floor(r() * 6); i++) {
        const fields: string[] = [];
        for (let j = 0; j < 1 + Math.floor(r() * 4); j++) {
          let v = '';
          for (let c = 0; c < Math.floor(r() * 6); c++) v += alphabet[Math.floor(r() * alphabet.length)];
          // mostly well-formed quoting, sometimes raw (odd) text
          fields.push(r() < 0.8 && /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : r() < 0.5 ? v.replace(/["\r\n,]/g, '') : v);
        }
        rows.push(fields.join(','));
      }
      const text = rows.join(r() < 0.5 ? '\n' : '\r\n') + (r() < 0.5 ? '\n' : '');
      const cuts = Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * (text.length + 1)));
      const { fast, slow } = await both(text, ',', cuts);
      expect(fast, JSON.stringify(text)).toEqual(slow);
    }
  });

  it('leaves a record longer than the limit to csv-parse', () => {
    const f = new FastCsv(',', 10);
    const out: string[][] = [];
    expect(f.push('a,b\n"0123456789abc', out, false)).toBe('"0123456789abc');
    expect(out).toEqual([['a', 'b']]);
    expect(f.lines).toBe(1);
  });

  it('leaves a whole record longer than the limit to csv-parse, even when it ends in the same piece', () => {
    const f = new FastCsv(',', 10);
    const out: string[][] = [];
    expect(f.push('a,b\n"0123456789abc"\n1,2\n', out, false)).toBe('"0123456789abc"\n1,2\n');
    expect(out).toEqual([['a', 'b']]);
  });

  it('a row over 16 MB stops the file as csv-parse stops it, wherever the pieces are cut', async () => {
    const text = 'a,b\n1,"' + 'x'.repeat(16 * 1024 * 1024 + 40_000) + '"\n2,3\n';
    const cuts: number[] = [];
    for (let at = 65_536; at < text.length; at += 65_536) cuts.push(at);
    const { fast, slow } = await both(text, ',', cuts);
    expect(slow.error).toMatch(/a row longer than 16 MB near line 2/);
    expect(fast.error).toBe(slow.error);
  });

  it('counts the line breaks inside quoted fields', () => {
    const f = new FastCsv(';', 1 << 20);
    const out: string[][] = [];
    expect(f.push('a;"1\n2\n3"\r\nb;c\n', out, true)).toBeNull();
    expect(out).toEqual([['a', '1\n2\n3'], ['b', 'c']]);
    expect(f.lines).toBe(4);
  });
});
