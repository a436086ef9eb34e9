import type { RenderOptions, Sink, TableModel } from './model.js';
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
