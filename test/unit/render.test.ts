import { describe, expect, it } from 'vitest';
import { colorWanted, parseFormat } from '../../src/cli/context.js';
import { render } from '../../src/render/index.js';
import type { RenderOptions, TableModel } from '../../src/render/model.js';

const model: TableModel = {
  columns: [
    { key: 'name', header: 'Клиент' },
    { key: 'revenue', type: 'money' },
    { key: 'ratio', type: 'ratio' },
    { key: 'key', type: 'bool' },
  ],
  rows: [
    { name: 'ООО «Ромашка»', revenue: 123456, ratio: 0.25, key: 1 },
    { name: 'Say "hi", then\nleave', revenue: null, ratio: null, key: 0 },
  ],
};

function out(opts: Partial<RenderOptions>): string {
  let s = '';
  render(model, { format: 'csv', color: false, bom: false, delimiter: ',', ...opts }, { write: (c) => (s += c) });
  return s;
}

describe('render', () => {
  it('CSV per RFC 4180', () => {
    expect(out({})).toBe('name,revenue,ratio,key\r\nООО «Ромашка»,1234.56,0.25,true\r\n"Say ""hi"", then\nleave",,,false\r\n');
  });

  it('JSON with raw numbers and nulls', () => {
    expect(JSON.parse(out({ format: 'json' }))).toEqual([
      { name: 'ООО «Ромашка»', revenue: 1234.56, ratio: 0.25, key: true },
      { name: 'Say "hi", then\nleave', revenue: null, ratio: null, key: false },
    ]);
  });

  it('a table aligns Cyrillic by characters, not bytes', () => {
    const lines = out({ format: 'table' }).split('\n').filter((l) => l.startsWith('│') || l.startsWith('┌'));
    const widths = new Set(lines.map((l) => [...l].length));
    expect(widths.size).toBe(1);
    expect(out({ format: 'table' })).toContain('1 234.56');
    expect(out({ format: 'table' })).toContain('25.0%');
  });

  it('chooses format and colour', () => {
    expect(parseFormat(undefined, true)).toBe('table');
    expect(parseFormat(undefined, false)).toBe('csv');
    expect(() => parseFormat('xml', true)).toThrow(/--format/);
    expect(colorWanted({ isTTY: true }, {}, undefined)).toBe(true);
    expect(colorWanted({ isTTY: true }, { NO_COLOR: '1' }, undefined)).toBe(false);
    expect(colorWanted({ isTTY: true }, { NO_COLOR: '' }, undefined)).toBe(true);
    expect(colorWanted({ isTTY: true }, {}, false)).toBe(false);
    expect(colorWanted({ isTTY: false }, {}, undefined)).toBe(false);
    expect(colorWanted({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' }, undefined)).toBe(false);
  });
});
