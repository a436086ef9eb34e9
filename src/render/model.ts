/**
 * What every command hands to the renderer: a table of typed columns and plain rows.
 * Commands compute these as data; one renderer turns them into table, CSV, JSON or NDJSON.
 */

export type ColumnType =
  /** free text */
  | 'text'
  /** an integer count or id */
  | 'int'
  /** a decimal number */
  | 'number'
  /** integer minor units (kopecks); shown as rubles */
  | 'money'
  /** a fraction 0..1; shown as a percentage in tables, raw in CSV/JSON */
  | 'ratio'
  /** 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM[:SS]' text */
  | 'date'
  /** 0/1 or boolean */
  | 'bool';

export interface Column {
  /** key of the value in each row; also the CSV/JSON column name (stable, snake_case) */
  readonly key: string;
  /** heading in a terminal table; defaults to the key */
  readonly header?: string;
  readonly type?: ColumnType;
}

export type Row = Readonly<Record<string, unknown>>;

export interface TableModel {
  readonly columns: readonly Column[];
  readonly rows: Iterable<Row>;
  /** shown above a terminal table only */
  readonly title?: string;
  /** shown under a terminal table only (totals are rows, not notes) */
  readonly note?: string;
  /** rows to emphasise in a terminal table, e.g. a totals row */
  readonly isTotal?: (row: Row) => boolean;
  /**
   * JSON only: what a report states besides its rows (as-of date, settings used). With it the
   * JSON form is one object, {...meta, "rows": [...]}, instead of a bare array; CSV and NDJSON
   * stay plain rows.
   */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export const FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
export type Format = (typeof FORMATS)[number];

export interface RenderOptions {
  readonly format: Format;
  readonly color: boolean;
  /** CSV only: write a UTF-8 byte-order mark first (for Excel) */
  readonly bom: boolean;
  /** CSV only */
  readonly delimiter: string;
}

/** Where rendered text goes: stdout in the CLI, a string buffer in tests. */
export interface Sink {
  write(chunk: string): void;
}
