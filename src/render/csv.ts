import type { RenderOptions, Sink, TableModel } from './model.js';
import { csvValue } from './values.js';

/** Quotes a field per RFC 4180 when it holds the delimiter, a quote or a line break. */
export function csvField(text: string, delimiter: string): string {
  if (text.includes(delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r')) {
    return `"${text.replaceAll('"', '""')}"`;
  }
  return text;
}

/** RFC 4180: CRLF line ends, a header row of stable column keys, streamed row by row. */
export function renderCsv(model: TableModel, opts: RenderOptions, out: Sink): void {
  const d = opts.delimiter;
  const line = (fields: string[]) => fields.map((f) => csvField(f, d)).join(d) + '\r\n';
  if (opts.bom) out.write('\uFEFF');
  out.write(line(model.columns.map((c) => c.key)));
  for (const row of model.rows) {
    out.write(line(model.columns.map((c) => csvValue(row[c.key], c.type))));
  }
}
