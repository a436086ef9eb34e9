import type { RenderOptions, Sink, TableModel } from './model.js';
import { jsonValue } from './values.js';
import { renderCsv } from './csv.js';
import { renderJson, renderNdjson } from './json.js';
import { renderTable } from './table.js';

export type { Column, ColumnType, Format, RenderOptions, Row, Sink, TableModel } from './model.js';

/** The one renderer every command uses. */
export function render(model: TableModel, opts: RenderOptions, out: Sink): void {
  switch (opts.format) {
    case 'csv':
      return renderCsv(model, opts, out);
    case 'json':
      return renderJson(model, out);
    case 'ndjson':
      return renderNdjson(model, out);
    case 'table':
      return renderTable(model, opts, out);
  }
}

/** One part of a multi-part report (a client card): a stable key and its table. */
export interface Section {
  readonly key: string;
  readonly model: TableModel;
}

/**
 * Several tables as one output. A terminal gets them one under another; JSON one object keyed
 * by section; NDJSON one line per row with its section; CSV, which holds one table, the section
 * `csvSection` (the first by default).
 */
export function renderSections(sections: readonly Section[], opts: RenderOptions, out: Sink, csvSection?: string): void {
  switch (opts.format) {
    case 'table':
      sections.forEach((s, i) => {
        if (i > 0) out.write('\n');
        renderTable(s.model, opts, out);
      });
      return;
    case 'csv': {
      const chosen = csvSection ? sections.find((s) => s.key === csvSection) : sections[0];
      if (chosen) renderCsv(chosen.model, opts, out);
      return;
    }
    case 'json': {
      const obj: Record<string, unknown[]> = {};
      for (const s of sections) obj[s.key] = [...s.model.rows].map((r) => Object.fromEntries(s.model.columns.map((c) => [c.key, jsonValue(r[c.key], c.type)])));
      out.write(JSON.stringify(obj, null, 1) + '\n');
      return;
    }
    case 'ndjson':
      for (const s of sections) {
        for (const r of s.model.rows) out.write(JSON.stringify({ section: s.key, ...Object.fromEntries(s.model.columns.map((c) => [c.key, jsonValue(r[c.key], c.type)])) }) + '\n');
      }
      return;
  }
}
