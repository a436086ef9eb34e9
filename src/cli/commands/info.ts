import { databaseFacts, type DatabaseFacts } from '../../db/queries/info.js';
import type { Row, TableModel } from '../../render/model.js';
import type { Context } from '../context.js';
import { withDatabase } from '../with-database.js';

/** The facts as property/value rows: one shape for the table, CSV and JSON. */
export function infoModel(f: DatabaseFacts): TableModel {
  const rows: Row[] = [
    { property: 'path', value: f.path },
    { property: 'size_bytes', value: f.bytes },
    { property: 'schema_version', value: f.schemaVersion },
    { property: 'engine', value: f.engine },
    ...(f.journalMode !== null ? [{ property: 'journal_mode', value: f.journalMode }] : []),
    {
      property: 'last_import',
      value: f.lastImport
        ? `${f.lastImport.at} ${f.lastImport.entity} from ${f.lastImport.file} (${f.lastImport.status}: ${f.lastImport.inserted} inserted, ${f.lastImport.updated} updated)`
        : null,
    },
    {
      property: 'last_backup',
      value: f.lastBackup ? `${f.lastBackup.at} ${f.lastBackup.file}${f.lastBackup.verified ? ' (verified)' : ''}` : null,
    },
    ...f.rows.map((r) => ({ property: `rows.${r.table}`, value: r.count })),
  ];
  return {
    columns: [
      { key: 'property', header: 'Property' },
      { key: 'value', header: 'Value' },
    ],
    rows,
  };
}

export async function run(ctx: Context): Promise<void> {
  await withDatabase(ctx, async (cdb) => ctx.output(infoModel(await databaseFacts(cdb))));
}
