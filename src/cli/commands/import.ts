import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { UsageError } from '../../errors.js';
import { ENTITIES, describeType, findEntity, type EntitySpec } from '../../import/entities.js';
import { parseMapOptions, parseMappingFile } from '../../import/headers.js';
import { parseEncoding, type InputFormat } from '../../import/input.js';
import type { ImportSummary } from '../../import/run.js';
import type { TableModel } from '../../render/model.js';
import { parseDelimiter, type Context } from '../context.js';
import { withDatabase } from '../with-database.js';

export interface ImportFlags {
  source: string;
  map?: string[];
  mapping?: string;
  header: boolean;
  columns?: string;
  encoding?: string;
  inputFormat?: string;
  ignoreUnknown?: boolean;
  skipInvalid?: boolean;
  rejects?: string;
  dryRun?: boolean;
  again?: boolean;
  country: string;
  delimiter?: string;
  checkDuplicates?: boolean;
}

function entityOrThrow(name: string | undefined): EntitySpec {
  const spec = name ? findEntity(name) : undefined;
  if (!spec) {
    throw new UsageError(
      name ? `unknown entity ${JSON.stringify(name)}` : 'which entity? e.g. crm import clients clients.csv',
      `the entities are: ${ENTITIES.map((e) => e.name).join(', ')}`,
    );
  }
  return spec;
}

export function fieldsModel(spec: EntitySpec): TableModel {
  return {
    title: `crm import ${spec.name}: fields (headers are matched ignoring case, ё/е, spaces and punctuation)`,
    columns: [
      { key: 'field', header: 'Field' },
      { key: 'required', header: 'Required', type: 'bool' },
      { key: 'format', header: 'Format' },
      { key: 'aliases', header: 'Also accepted as header' },
      { key: 'meaning', header: 'Meaning' },
    ],
    rows: spec.fields.map((f) => ({ field: f.name, required: f.required ? 1 : 0, format: describeType(f.type), aliases: f.aliases.join(', '), meaning: f.help })),
    note: `Match keys (how a row finds the row it updates): ${spec.keys.map((k) => k.map((c) => c.replace('~', '')).join('+')).join(', then ')}.`,
  };
}

function summaryLine(s: ImportSummary): string {
  const secs = `${s.seconds.toFixed(2)} s`;
  if (s.skippedAs) {
    return `${s.file}: the same content was imported already on ${s.skippedAs.finished_at} (batch ${s.skippedAs.id}, ${s.skippedAs.file_name}); nothing to do (--again imports it anyway)`;
  }
  if (s.dryRun) {
    return `${s.file} → ${s.entity} (dry run, nothing written): would insert ${s.inserted}, update ${s.updated}; ${s.unchanged} unchanged, ${s.rejected} rejected, ${secs}`;
  }
  return `${s.file} → ${s.entity}: ${s.inserted} inserted, ${s.updated} updated, ${s.unchanged} unchanged, ${s.rejected} rejected, ${secs}`;
}

/** A progress line on stderr, redrawn in place; only on a terminal. */
function progressPrinter(ctx: Context, file: string) {
  const stderr = ctx.streams.stderr;
  if (ctx.quiet || !stderr.isTTY || file === '-') return { update: undefined, done: () => {} };
  const size = fs.statSync(file).size;
  if (size < 1024 * 1024) return { update: undefined, done: () => {} };
  let drawn = false;
  const mb = (b: number) => (b / 1048576).toFixed(1);
  return {
    update: (p: { bytes: number; total: number | null; rows: number }) => {
      const total = p.total ?? size;
      const pct = Math.min(100, Math.floor((p.bytes / total) * 100));
      const width = 30;
      const bar = '█'.repeat(Math.floor((pct / 100) * width)).padEnd(width, '░');
      stderr.write(`\r${path.basename(file)} ${bar} ${String(pct).padStart(3)}%  ${mb(p.bytes)}/${mb(total)} MB  ${p.rows.toLocaleString('en-US')} rows`);
      drawn = true;
    },
    done: () => {
      if (drawn) stderr.write('\r\u001b[2K');
    },
  };
}

export async function run(ctx: Context, entityArg: string, file: string | undefined, flags: ImportFlags): Promise<void> {
  if (entityArg === 'fields') {
    if (!file) {
      await ctx.output({
        columns: [
          { key: 'entity', header: 'Entity' },
          { key: 'also', header: 'Also accepted as' },
          { key: 'required', header: 'Required fields' },
        ],
        rows: ENTITIES.map((e) => ({ entity: e.name, also: e.aliases.join(', '), required: e.fields.filter((f) => f.required).map((f) => f.name).join(', ') })),
      });
      return;
    }
    await ctx.output(fieldsModel(entityOrThrow(file)));
    return;
  }
  if (entityArg === 'log') {
    await withDatabase(ctx, async ({ db }) => {
      const rows = await db
        .selectFrom('import_batches')
        .select(['id', 'finished_at', 'entity', 'file_name', 'status', 'inserted', 'updated', 'unchanged', 'rejected', 'user', sql<string>`substr(sha256, 1, 12)`.as('sha256')])
        .orderBy('id', 'desc')
        .execute();
      await ctx.output({
        columns: [
          { key: 'id', header: 'Batch', type: 'int' },
          { key: 'finished_at', header: 'Finished', type: 'date' },
          { key: 'entity', header: 'Entity' },
          { key: 'file_name', header: 'File' },
          { key: 'status', header: 'Status' },
          { key: 'inserted', header: 'Inserted', type: 'int' },
          { key: 'updated', header: 'Updated', type: 'int' },
          { key: 'unchanged', header: 'Unchanged', type: 'int' },
          { key: 'rejected', header: 'Rejected', type: 'int' },
          { key: 'user', header: 'User' },
          { key: 'sha256', header: 'SHA-256' },
        ],
        rows,
      });
    });
    return;
  }

  const spec = entityOrThrow(entityArg);
  if (!file) throw new UsageError(`which file? e.g. crm import ${spec.name} ${spec.name}.csv (or - for stdin)`);
  if (flags.skipInvalid && flags.dryRun) ctx.info('note: --dry-run writes nothing, whatever --skip-invalid says');
  const userMap = new Map<string, string>();
  if (flags.mapping) {
    let text: string;
    try {
      text = fs.readFileSync(flags.mapping, 'utf8');
    } catch {
      throw new UsageError(`cannot read the mapping file ${flags.mapping}`);
    }
    for (const [k, v] of parseMappingFile(text, flags.mapping, spec)) userMap.set(k, v);
  }
  for (const [k, v] of parseMapOptions(flags.map ?? [], spec)) userMap.set(k, v);
  const positional = flags.columns?.split(',').map((c) => c.trim());
  if (positional) {
    for (const c of positional) {
      if (c !== '-' && !spec.fields.some((f) => f.name === c)) throw new UsageError(`--columns: ${spec.name} has no field ${JSON.stringify(c)}`, `the fields are: ${spec.fields.map((f) => f.name).join(', ')}`);
    }
  }
  if (!flags.header && !positional && userMap.size === 0) {
    throw new UsageError('--no-header needs the order of the columns: --columns name,inn,phone (or --map 1=name --map 2=inn …)');
  }
  const inputFormat = flags.inputFormat as InputFormat | undefined;
  if (inputFormat && !['csv', 'json', 'ndjson'].includes(inputFormat)) throw new UsageError('--input-format must be csv, json or ndjson');
  if (!/^[A-Za-z]{2}$/.test(flags.country)) throw new UsageError(`--country takes a two-letter country code such as RU, got ${JSON.stringify(flags.country)}`);

  if (flags.checkDuplicates && spec.name !== 'clients' && spec.name !== 'contacts') {
    throw new UsageError('--check-duplicates works with clients and contacts');
  }
  const { importFile } = await import('../../import/run.js');
  await withDatabase(ctx, async (cdb) => {
    const progress = progressPrinter(ctx, file);
    let s: ImportSummary;
    try {
      s = await importFile(cdb, {
        spec,
        file,
        stdin: ctx.streams.stdin,
        source: flags.source,
        encoding: flags.encoding ? parseEncoding(flags.encoding) : undefined,
        delimiter: flags.delimiter ? parseDelimiter(flags.delimiter) : undefined,
        format: inputFormat,
        header: flags.header,
        positional,
        userMap,
        ignoreUnknown: flags.ignoreUnknown ?? false,
        skipInvalid: flags.skipInvalid ?? false,
        dryRun: flags.dryRun ?? false,
        again: flags.again ?? false,
        rejectsFile: flags.rejects,
        defaultCountry: flags.country.toUpperCase(),
        user: ctx.user,
        now: ctx.now(),
        onProgress: progress.update,
        // test hooks: load a small file as a bulk load; validate it on this thread
        bulk: ctx.env.CRM_TEST_IMPORT_BULK === '1' ? true : undefined,
        thread: ctx.env.CRM_TEST_IMPORT_THREAD === '0' ? false : undefined,
        beforeCommit: flags.checkDuplicates
          ? async (inserted, txDb) => {
              const { checkIncoming } = await import('./dedupe.js');
              await checkIncoming(ctx, txDb ?? cdb, spec.name === 'clients' ? 'client' : 'contact', inserted);
            }
          : undefined,
      });
    } finally {
      progress.done();
    }
    if (s.rejected > 0) {
      ctx.warn(`${s.rejected} invalid rows were skipped${flags.rejects ? ` and written to ${flags.rejects}` : ''}:`);
      for (const p of s.problems.slice(0, 20)) ctx.warn(`  line ${p.line}${p.field ? `, field ${p.field}` : ''}: ${p.reason}${p.value !== undefined ? ` (value ${JSON.stringify(p.value)})` : ''}`);
      if (s.problems.length > 20) ctx.warn(`  … and more${flags.rejects ? '' : ' (write them all with --rejects FILE)'}`);
    }
    ctx.info(summaryLine(s));
  });
}
