import { Chalk } from 'chalk';
import Table from 'cli-table3';
import type { RenderOptions, Sink, TableModel } from './model.js';
import { displayValue, isNumericType } from './values.js';

/** A boxed terminal table; colour only when the options allow it. */
export function renderTable(model: TableModel, opts: RenderOptions, out: Sink): void {
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  const table = new Table({
    head: model.columns.map((c) => chalk.bold(c.header ?? c.key)),
    style: { head: [], border: [], compact: true },
    colAligns: model.columns.map((c) => (isNumericType(c.type) ? 'right' : 'left')),
    wordWrap: false,
  });
  let count = 0;
  for (const row of model.rows) {
    const total = model.isTotal?.(row) ?? false;
    table.push(
      model.columns.map((c) => {
        const text = displayValue(row[c.key], c.type);
        if (text === null) return chalk.dim('—');
        return total ? chalk.bold(text) : text;
      }),
    );
    count++;
  }
  if (model.title) out.write(chalk.bold.cyan(model.title) + '\n');
  if (count === 0) {
    out.write(chalk.dim('(no rows)') + '\n');
  } else {
    out.write(table.toString() + '\n');
  }
  if (model.note) out.write(chalk.dim(model.note) + '\n');
}
