/**
 * Table models of `crm plan`: a week's tasks, and the proposals of `crm plan next` (listed,
 * or as written). Pure layout.
 */
import type { Column, Row, TableModel } from '../render/model.js';
import type { Proposal } from './next.js';

/**
 * 'Ткаченко Ольга Викторовна' → 'Ткаченко О. В.' for narrow terminal tables; any other name as it is.
 */
export function shortName(name: string): string {
  const parts = name.trim().split(/\s+/);
  if (parts.length === 3 && parts.every((p) => /^[А-ЯЁ][а-яё-]+$/u.test(p))) return `${parts[0]} ${parts[1]![0]}. ${parts[2]![0]}.`;
  return name;
}

export interface TaskListRow {
  readonly id: number;
  readonly week: string;
  readonly staff_id: number;
  readonly staff: string;
  readonly client_id: number | null;
  readonly client_external_id: string | null;
  readonly client: string | null;
  readonly contact_id: number | null;
  readonly contact: string | null;
  readonly kind: string | null;
  readonly task: string;
  readonly status: string;
  readonly outcome_note: string | null;
  readonly completed_on: string | null;
  readonly carried_from_id: number | null;
  readonly carry_count: number;
  readonly external_id: string | null;
}

const TASK_COLUMNS: Column[] = [
  { key: 'id', type: 'int' },
  { key: 'week' },
  { key: 'staff_id', type: 'int' },
  { key: 'staff' },
  { key: 'client_id', type: 'int' },
  { key: 'client_external_id' },
  { key: 'client' },
  { key: 'contact_id', type: 'int' },
  { key: 'contact' },
  { key: 'kind' },
  { key: 'task' },
  { key: 'status' },
  { key: 'outcome_note' },
  { key: 'completed_on', type: 'date' },
  { key: 'carried_from_id', type: 'int' },
  { key: 'carry_count', type: 'int' },
  { key: 'external_id' },
];

const COMPACT_TASK_COLUMNS: Column[] = [
  { key: 'id', header: 'Id', type: 'int' },
  { key: 'week', header: 'Week' },
  { key: 'staff', header: 'Staff' },
  { key: 'client', header: 'Client' },
  { key: 'kind', header: 'Kind' },
  { key: 'task', header: 'Task' },
  { key: 'status', header: 'Status' },
  { key: 'completed_on', header: 'On', type: 'date' },
  { key: 'outcome_note', header: 'Note' },
  { key: 'carry_count', header: 'Carried', type: 'int' },
];

export function taskListModel(rows: readonly TaskListRow[], opts: { compact?: boolean; title?: string; note?: string } = {}): TableModel {
  const compact = opts.compact ?? false;
  return {
    title: opts.title,
    columns: compact ? COMPACT_TASK_COLUMNS : TASK_COLUMNS,
    rows: rows.map((r): Row => (compact ? { ...r, staff: shortName(r.staff), carry_count: r.carry_count || null } : { ...r })),
    note: opts.note,
  };
}

export interface Names {
  readonly staff: ReadonlyMap<number, string>;
  readonly clients: ReadonlyMap<number, { readonly name: string; readonly externalId: string | null }>;
  readonly contacts: ReadonlyMap<number, string>;
}

export interface ProposalOutcome {
  readonly proposal: Proposal;
  /** the task written for it; null when it was left out */
  readonly taskId?: number | null;
}

/** The proposals of `crm plan next`, numbered; with task ids once written. */
export function proposalsModel(items: readonly ProposalOutcome[], names: Names, opts: { compact?: boolean; written?: boolean; title?: string; note?: string } = {}): TableModel {
  const compact = opts.compact ?? false;
  const rows: Row[] = items.map(({ proposal: p, taskId }, i) => {
    const client = p.clientId !== null ? names.clients.get(p.clientId) : undefined;
    const staff = names.staff.get(p.staffId) ?? `#${p.staffId}`;
    return {
      n: i + 1,
      task_id: taskId ?? null,
      reason: p.reason,
      week: p.week,
      staff_id: p.staffId,
      staff: compact ? shortName(staff) : staff,
      client_id: p.clientId,
      client_external_id: client?.externalId ?? null,
      client: client?.name ?? null,
      contact_id: p.contactId,
      contact: p.contactId !== null ? (names.contacts.get(p.contactId) ?? null) : null,
      kind: p.kind,
      task: p.task,
      carried_from_id: p.carriedFromId,
      carry_count: compact ? p.carryCount || null : p.carryCount,
      source_task_id: p.sourceTaskId,
      why: p.why,
    };
  });
  const columns: Column[] = compact
    ? [
        opts.written ? { key: 'task_id', header: 'Task', type: 'int' } : { key: 'n', header: '#', type: 'int' },
        { key: 'reason', header: 'Why' },
        { key: 'staff', header: 'Staff' },
        { key: 'client', header: 'Client' },
        { key: 'kind', header: 'Kind' },
        { key: 'task', header: 'Task' },
        { key: 'carry_count', header: 'Carried', type: 'int' },
      ]
    : [
        ...(opts.written ? [{ key: 'task_id', type: 'int' as const }] : [{ key: 'n', type: 'int' as const }]),
        { key: 'reason' },
        { key: 'week' },
        { key: 'staff_id', type: 'int' },
        { key: 'staff' },
        { key: 'client_id', type: 'int' },
        { key: 'client_external_id' },
        { key: 'client' },
        { key: 'contact_id', type: 'int' },
        { key: 'contact' },
        { key: 'kind' },
        { key: 'task' },
        { key: 'carried_from_id', type: 'int' },
        { key: 'carry_count', type: 'int' },
        { key: 'source_task_id', type: 'int' },
        { key: 'why' },
      ];
  return { title: opts.title, columns, rows, note: opts.note };
}
