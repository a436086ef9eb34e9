/**
 * The client card as sections for the renderer. Pure: card data and today in, sections out.
 */
import type { ClientCardData } from '../db/queries/client-card.js';
import type { Section } from '../render/index.js';
import type { Row } from '../render/model.js';
import { formatMoneyGrouped } from '../util/money.js';
import { daysBetween } from '../util/dates.js';

export const CARD_SECTIONS = ['details', 'structure', 'contacts', 'team', 'deals', 'activities', 'tasks', 'goals', 'assessments'] as const;

export function clientCardSections(d: ClientCardData, today: string): Section[] {
  const c = d.client;
  const details: Row[] = [
    ['id', c.id],
    ['name', c.name],
    ['legal_form', c.legal_form],
    ['client_type', c.client_type],
    ['status', c.status === 'lost' ? `lost on ${c.lost_date}${c.lost_reason ? `: ${c.lost_reason}` : ''}${c.lost_competitor ? ` (to ${c.lost_competitor})` : ''}` : c.status],
    ['key_account', c.is_key_account ? 'yes' : 'no'],
    ['inn', c.inn],
    ['kpp', c.kpp],
    ['region', c.region],
    ['city', c.city],
    ['address', c.address],
    ['phone', c.phone],
    ['email', c.email],
    ['website', c.website],
    ['account_manager', c.manager],
    ['purchase_potential', c.purchase_potential_minor === null ? null : `${formatMoneyGrouped(c.purchase_potential_minor)} a year`],
    ['won_last_12_months', formatMoneyGrouped(d.wonLast12Months)],
    ['partnership', c.partnership],
    ['contract', c.contract_no ? `${c.contract_no}${c.contract_since ? ` from ${c.contract_since}` : ''}${c.contract_until ? ` until ${c.contract_until}` : ''}` : null],
    ['mission', c.mission],
    ['external_id', c.external_id ? `${c.source ?? ''}:${c.external_id}` : null],
    ['notes', c.notes],
    ['created', `${c.created_at}${c.created_by ? ` by ${c.created_by}` : ''}`],
    ['updated', c.updated_at ? `${c.updated_at}${c.updated_by ? ` by ${c.updated_by}` : ''}` : null],
  ].map(([property, value]) => ({ property, value }));

  const structure: Row[] = [];
  if (c.parent_id !== null) structure.push({ relation: 'HQ', id: c.parent_id, name: c.parent_name, region: null, city: null, status: null });
  for (const b of d.branches) structure.push({ relation: 'branch', ...b });

  return [
    { key: 'details', model: { title: `${c.name} — client #${c.id}`, columns: [{ key: 'property', header: 'Client' }, { key: 'value', header: '' }], rows: details.filter((r) => r.value !== null && r.value !== '') } },
    {
      key: 'structure',
      model: {
        title: c.parent_id !== null ? `Branch of ${c.parent_name} (${d.siblings} other branches)` : `HQ and branches (${d.branches.length} branches)`,
        columns: [{ key: 'relation', header: 'Relation' }, { key: 'id', header: 'Id', type: 'int' }, { key: 'name', header: 'Name' }, { key: 'region', header: 'Region' }, { key: 'city', header: 'City' }, { key: 'status', header: 'Status' }],
        rows: structure,
      },
    },
    {
      key: 'contacts',
      model: {
        title: `Contacts and the buying centre (${d.contacts.length})`,
        columns: [
          { key: 'full_name', header: 'Name' },
          { key: 'position', header: 'Position' },
          { key: 'level', header: 'Level' },
          { key: 'buying_role', header: 'Buying role' },
          { key: 'service', header: 'Service contact', type: 'bool' },
          { key: 'phone', header: 'Phone' },
          { key: 'email', header: 'E-mail' },
          { key: 'verified_on', header: 'Verified', type: 'date' },
          { key: 'stale', header: 'Not verified 12 months', type: 'bool' },
        ],
        rows: d.contacts.map((x) => ({
          ...x,
                    service: x.is_service_contact,
          stale: x.verified_on === null || daysBetween(x.verified_on, today) > 365 ? 1 : 0,
        })),
      },
    },
    {
      key: 'team',
      model: {
        title: `Account team (${d.team.length})`,
        columns: [{ key: 'staff', header: 'Member' }, { key: 'role', header: 'Role' }, { key: 'region', header: 'Region' }, { key: 'since', header: 'Since', type: 'date' }, { key: 'email', header: 'E-mail' }],
        rows: d.team,
      },
    },
    {
      key: 'deals',
      model: {
        title: `Open deals (${d.deals.length}, ${formatMoneyGrouped(d.deals.reduce((s, x) => s + x.amount_minor, 0))})`,
        columns: [{ key: 'id', header: 'Id', type: 'int' }, { key: 'title', header: 'Deal' }, { key: 'product', header: 'Product' }, { key: 'amount', header: 'Amount', type: 'money' }, { key: 'opened_on', header: 'Opened', type: 'date' }, { key: 'owner', header: 'Owner' }],
        rows: d.deals.map((x) => ({ ...x, amount: x.amount_minor })),
      },
    },
    {
      key: 'activities',
      model: {
        title: `Recent activities (${d.activities.length})`,
        columns: [{ key: 'occurred_at', header: 'When', type: 'date' }, { key: 'kind', header: 'Kind' }, { key: 'staff', header: 'Staff' }, { key: 'contact', header: 'Contact' }, { key: 'outcome', header: 'Outcome' }, { key: 'subject', header: 'Subject' }],
        rows: d.activities,
      },
    },
    {
      key: 'tasks',
      model: {
        title: `Open plan tasks (${d.tasks.length})`,
        columns: [{ key: 'week', header: 'Week' }, { key: 'staff', header: 'Staff' }, { key: 'kind', header: 'Kind' }, { key: 'task', header: 'Task' }, { key: 'carry_count', header: 'Carried', type: 'int' }],
        rows: d.tasks,
      },
    },
    {
      key: 'goals',
      model: {
        title: `Goals (${d.goals.length})`,
        columns: [{ key: 'goal', header: 'Goal' }, { key: 'target', header: 'Target' }, { key: 'due_on', header: 'Due', type: 'date' }, { key: 'status', header: 'Status' }],
        rows: d.goals.map((g) => ({
          goal: g.goal,
          target: g.target_value ? `${g.target_value}${g.target_unit ? ` ${g.target_unit}` : ''}` : null,
          due_on: g.due_on,
          status: g.status === 'open' && g.due_on !== null && g.due_on < today ? 'overdue' : g.status,
        })),
      },
    },
    {
      key: 'assessments',
      model: {
        title: c.is_key_account ? 'Key account: latest self-assessments (Hise & Reid conditions 1–6)' : 'Self-assessments',
        columns: [{ key: 'assessed_on', header: 'Date', type: 'date' }, { key: 'criterion', header: 'Condition', type: 'int' }, { key: 'rating', header: 'Rating 1–5', type: 'int' }, { key: 'assessor', header: 'By' }, { key: 'note', header: 'Note' }],
        rows: d.assessments,
      },
    },
  ];
}
