/**
 * National accounts (DESIGN §2, seed 000): an HQ that buys for branches in several regions, served
 * by a (national) account manager with local field reps. One row per HQ and per branch: the region,
 * the field rep assigned there, the last activity, and the gaps — a region without a rep, a rep
 * with no activity there in the window, a branch nobody has contacted. Pure: facts in, model out.
 */
import type { Row, TableModel } from '../render/model.js';
import { collate } from './key-candidates.js';
import { isActiveMember, periodText, regionKey, repRegion, reportMeta, shortName, type Period, type TeamMember, type Unit } from './key-accounts.js';

export interface NationalUnit extends Unit {
  readonly city: string | null;
}

/** The last activity of one staff member at one unit up to the as-of date. */
export interface UnitStaffActivity {
  readonly clientId: number;
  readonly staffId: number;
  readonly staffName: string;
  /** 'YYYY-MM-DD HH:MM' */
  readonly last: string;
}

export interface NationalFacts {
  readonly hq: { readonly id: number; readonly externalId: string | null; readonly name: string; readonly isKeyAccount: boolean; readonly managerName: string | null };
  /** the HQ first, then its branches */
  readonly units: readonly NationalUnit[];
  /** team rows of the HQ and its branches */
  readonly team: readonly TeamMember[];
  readonly activity: readonly UnitStaffActivity[];
}

export interface UnitLine {
  readonly hq: NationalFacts['hq'];
  readonly accountManager: string | null;
  readonly unit: NationalUnit;
  readonly reps: readonly string[];
  readonly repActive: boolean | null;
  readonly lastRepActivity: string | null;
  readonly lastActivity: string | null;
  readonly lastActivityBy: string | null;
  readonly gaps: readonly string[];
}

const day = (moment: string | null) => (moment ? moment.slice(0, 10) : null);

export function nationalLines(facts: readonly NationalFacts[], p: Period): UnitLine[] {
  const lines: UnitLine[] = [];
  for (const f of facts) {
    const team = f.team.filter((m) => isActiveMember(m, p.asOf));
    const unitById = new Map<number, Unit>(f.units.map((u) => [u.id, u]));
    const managers = team.filter((m) => m.clientId === f.hq.id && (m.role === 'national_account_manager' || m.role === 'account_manager'));
    const accountManager = managers.length ? [...new Set(managers.map((m) => m.staffName))].join(', ') : f.hq.managerName;
    const reps = team.filter((m) => m.role === 'field_rep');
    const regions = new Set(f.units.filter((u) => u.region).map((u) => regionKey(u.region!)));
    const uncovered = [...regions].filter((r) => !reps.some((m) => regionKey(repRegion(m, unitById) ?? '') === r));
    const ordered = [f.units[0]!, ...f.units.slice(1).sort((a, b) => collate(a.region ?? '', b.region ?? '') || collate(a.name, b.name))];
    for (const u of ordered) {
      const gaps: string[] = [];
      if (u.isHq) {
        if (!managers.length) gaps.push('no national account manager on the HQ team');
        if (uncovered.length) gaps.push(`${uncovered.length} of ${regions.size} regions without a field rep`);
      }
      const here = u.region ? reps.filter((m) => regionKey(repRegion(m, unitById) ?? '') === regionKey(u.region!)) : [];
      const repIds = new Set(here.map((m) => m.staffId));
      const acts = f.activity.filter((a) => a.clientId === u.id).sort((a, b) => b.last.localeCompare(a.last));
      const last = acts[0] ?? null;
      const lastRep = acts.find((a) => repIds.has(a.staffId)) ?? null;
      const repActive = here.length ? lastRep !== null && day(lastRep.last)! >= p.from : null;
      if (!u.region) gaps.push('region not recorded');
      else if (!here.length) gaps.push(`no field rep for ${u.region}`);
      else if (!repActive) {
        gaps.push(lastRep ? `rep inactive here since ${day(lastRep.last)} (none from ${p.from})` : 'rep has never logged an activity here');
      }
      if (!last) gaps.push('no activity on record');
      else if (day(last.last)! < p.from) gaps.push(`no contact since ${day(last.last)}`);
      lines.push({
        hq: f.hq,
        accountManager,
        unit: u,
        reps: [...new Set(here.map((m) => m.staffName))],
        repActive,
        lastRepActivity: lastRep ? day(lastRep.last) : null,
        lastActivity: last ? day(last.last) : null,
        lastActivityBy: last ? last.staffName : null,
        gaps,
      });
    }
  }
  // stable: within an HQ the order above (HQ, then branches by region) stays
  return lines.sort((a, b) => collate(a.hq.name, b.hq.name) || a.hq.id - b.hq.id);
}

export function nationalAccountsModel(facts: readonly NationalFacts[], p: Period, opts: { compact?: boolean; settingsJson?: Record<string, unknown> } = {}): TableModel {
  const lines = nationalLines(facts, p);
  const rows: Row[] = lines.map((l) => ({
    hq_id: l.hq.id,
    hq_external_id: l.hq.externalId,
    hq: l.hq.name,
    key_account: l.hq.isKeyAccount,
    account_manager: l.accountManager,
    unit_id: l.unit.id,
    unit_external_id: l.unit.externalId,
    unit: l.unit.name,
    unit_type: l.unit.isHq ? 'hq' : 'branch',
    region: l.unit.region,
    city: l.unit.city,
    field_reps: opts.compact ? l.reps.map(shortName).join(', ') || null : l.reps.join('; ') || null,
    rep_active: l.repActive,
    last_rep_activity: l.lastRepActivity,
    last_activity: l.lastActivity,
    last_activity_by: opts.compact && l.lastActivityBy ? shortName(l.lastActivityBy) : l.lastActivityBy,
    gaps: l.gaps.join('; ') || null,
  }));
  const all = [
    { key: 'hq_id', header: 'HQ id', type: 'int' as const },
    { key: 'hq_external_id', header: 'HQ ext. id' },
    { key: 'hq', header: 'HQ' },
    { key: 'key_account', header: 'Key', type: 'bool' as const },
    { key: 'account_manager', header: 'Account manager' },
    { key: 'unit_id', header: 'Unit id', type: 'int' as const },
    { key: 'unit_external_id', header: 'Ext. id' },
    { key: 'unit', header: 'HQ / branch' },
    { key: 'unit_type', header: 'Type' },
    { key: 'region', header: 'Region' },
    { key: 'city', header: 'City' },
    { key: 'field_reps', header: 'Field rep' },
    { key: 'rep_active', header: 'Rep active', type: 'bool' as const },
    { key: 'last_rep_activity', header: 'Rep last here', type: 'date' as const },
    { key: 'last_activity', header: 'Last activity', type: 'date' as const },
    { key: 'last_activity_by', header: 'By' },
    { key: 'gaps', header: 'Gaps' },
  ];
  const compactKeys = new Set(['hq_external_id', 'unit_external_id', 'unit', 'unit_type', 'region', 'field_reps', 'last_rep_activity', 'last_activity', 'last_activity_by', 'gaps']);
  const hqs = facts.length;
  const branches = lines.filter((l) => !l.unit.isHq).length;
  const noRep = lines.filter((l) => l.unit.region && l.reps.length === 0).length;
  const idle = lines.filter((l) => l.repActive === false).length;
  const withGaps = lines.filter((l) => l.gaps.length).length;
  return {
    title: `National accounts: HQs, branches, regions and field reps, ${periodText(p)}`,
    columns: opts.compact ? all.filter((c) => compactKeys.has(c.key)) : all,
    rows,
    isTotal: (row) => row.unit_type === 'hq',
    note: `${hqs} HQ${hqs === 1 ? '' : 's'} with ${branches} branch${branches === 1 ? '' : 'es'}: ${noRep} unit${noRep === 1 ? '' : 's'} in a region without a field rep, ${idle} where the rep logged nothing since ${p.from}; ${withGaps} with gaps.`,
    meta: opts.settingsJson ? reportMeta('national-accounts', p, opts.settingsJson) : undefined,
  };
}
