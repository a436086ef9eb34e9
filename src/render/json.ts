import type { Row, Sink, TableModel } from './model.js';
import { jsonValue } from './values.js';

function toObject(model: TableModel, row: Row): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const c of model.columns) obj[c.key] = jsonValue(row[c.key], c.type);
  return obj;
}

/**
 * A JSON array with one object per row (one per line, so it streams); with model.meta, the
 * object {...meta, "rows": [that array]}.
 */
export function renderJson(model: TableModel, out: Sink): void {
  let first = true;
  if (model.meta) {
    const head = JSON.stringify({ ...model.meta, rows: [] });
    out.write(head.slice(0, -2));
  } else {
    out.write('[');
  }
  for (const row of model.rows) {
    out.write((first ? '\n' : ',\n') + JSON.stringify(toObject(model, row)));
    first = false;
  }
  out.write(first ? ']' : '\n]');
  out.write(model.meta ? '}\n' : '\n');
}

/** One JSON object per line. */
export function renderNdjson(model: TableModel, out: Sink): void {
  for (const row of model.rows) out.write(JSON.stringify(toObject(model, row)) + '\n');
}
