/**
 * The settings of key-account scoring (crm report key-accounts, key-candidates,
 * national-accounts). docs/key-accounts.md explains every one; a test keeps the two in step.
 */
import type { CrossCheck, SettingDef, Settings } from './settings.js';

/** The six Hise & Reid conditions, in their order, by the names the settings use. */
export const CONDITION_KEYS = ['integration', 'top_management', 'sales_service', 'goals_mission', 'field_reps', 'identification'] as const;
export type ConditionKey = (typeof CONDITION_KEYS)[number];

export const ACTIVITY_KINDS = ['call', 'meeting', 'visit', 'email', 'letter', 'presentation', 'top_to_top', 'service', 'proposal', 'other'] as const;
export const PARTNERSHIPS = ['none', 'interested', 'contract', 'strategic'] as const;

const points = (key: string, def: number, description: string): SettingDef => ({ key, type: 'number', default: String(def), min: 0, max: 1000, unit: 'points', description });

export const KAM_SETTINGS: readonly SettingDef[] = [
  { key: 'kam.window_weeks', type: 'int', default: '13', min: 1, max: 104, unit: 'weeks', description: 'evidence window: the ISO week of the as-of date and the weeks before it (--window overrides)' },
  { key: 'kam.band.strong', type: 'int', default: '75', min: 0, max: 100, description: 'a total score at or above this is "strong"' },
  { key: 'kam.band.developing', type: 'int', default: '50', min: 0, max: 100, description: 'a total at or above this (and below kam.band.strong) is "developing"; below it, "at_risk"' },
  { key: 'kam.weight.integration', type: 'number', default: '1', min: 0, max: 100, description: 'weight of condition 1 (integration into the sales programme) in the total' },
  { key: 'kam.weight.top_management', type: 'number', default: '1', min: 0, max: 100, description: 'weight of condition 2 (top-management support) in the total' },
  { key: 'kam.weight.sales_service', type: 'number', default: '1', min: 0, max: 100, description: 'weight of condition 3 (sales–service communication) in the total' },
  { key: 'kam.weight.goals_mission', type: 'number', default: '1', min: 0, max: 100, description: 'weight of condition 4 (goals and mission) in the total' },
  { key: 'kam.weight.field_reps', type: 'number', default: '1', min: 0, max: 100, description: 'weight of condition 5 (sales managers and field reps) in the total' },
  { key: 'kam.weight.identification', type: 'number', default: '1', min: 0, max: 100, description: 'weight of condition 6 (definition and identification) in the total' },
  points('kam.top_management.sponsor_points', 40, 'condition 2: an executive sponsor on the account team'),
  points('kam.top_management.top_to_top_points', 60, 'condition 2: a top-to-top contact (our executive with a client executive) in the window'),
  {
    key: 'kam.top_management.top_to_top_kinds',
    type: 'list',
    default: 'top_to_top,meeting,visit,presentation',
    min: 1,
    choices: ACTIVITY_KINDS,
    description: 'condition 2: the activity kinds that count as a top-to-top contact when executive staff meet an executive contact',
  },
  points('kam.sales_service.team_points', 35, 'condition 3: a service member on the account team'),
  points('kam.sales_service.contact_points', 30, 'condition 3: a client contact flagged as the service contact'),
  points('kam.sales_service.activity_points', 35, 'condition 3: activities by non-sales staff (service, R&D, production, finance, logistics, planning) in the window'),
  { key: 'kam.sales_service.min_activities', type: 'int', default: '1', min: 1, max: 1000, description: 'condition 3: how many non-sales activities in the window earn the activity points' },
  points('kam.goals_mission.mission_points', 30, 'condition 4: the account mission is written down'),
  points('kam.goals_mission.goal_points', 40, 'condition 4: a measurable goal (numeric target and due date), open or met'),
  points('kam.goals_mission.on_time_points', 30, 'condition 4: goals are kept current: at least one, and no open goal past its due date'),
  points('kam.field_reps.coverage_points', 50, 'condition 5: share of the account\'s regions (HQ and branches) with an assigned field rep'),
  points('kam.field_reps.activity_points', 50, 'condition 5: share of the account\'s regions where that rep logged an activity in the window'),
  points('kam.identification.potential_points', 40, 'condition 6: purchase potential at or above kam.qualify.min_potential'),
  points('kam.identification.complex_points', 30, 'condition 6: complex buying (see kam.qualify.min_decision_makers, min_buying_centre, min_regions)'),
  points('kam.identification.partnership_points', 30, 'condition 6: the client wants a long-term partnership (kam.qualify.partnership)'),
  { key: 'kam.qualify.min_potential', type: 'money', default: '10000000.00', min: 0, unit: 'RUB', description: 'qualification: expected purchases a year at or above this' },
  { key: 'kam.qualify.min_decision_makers', type: 'int', default: '2', min: 1, max: 1000, description: 'qualification, complex buying: at least this many decision makers among the contacts …' },
  { key: 'kam.qualify.min_buying_centre', type: 'int', default: '4', min: 1, max: 1000, description: '… or a buying centre (contacts with a buying role) at least this large …' },
  { key: 'kam.qualify.min_regions', type: 'int', default: '2', min: 2, max: 1000, description: '… or units (HQ and branches) in at least this many regions' },
  {
    key: 'kam.qualify.partnership',
    type: 'list',
    default: 'interested,contract,strategic',
    min: 1,
    choices: PARTNERSHIPS,
    description: 'qualification: the partnership stances that count as wanting a long-term partnership',
  },
  { key: 'kam.assess.max_gap', type: 'int', default: '40', min: 0, max: 100, unit: 'points', description: 'flag a self-assessment that differs from the evidence score by more than this (ratings 1–5 read as 0, 25, 50, 75, 100)' },
];

export const KAM_CHECKS: readonly CrossCheck[] = [
  (get) => ((get('kam.band.developing') as number) > (get('kam.band.strong') as number) ? 'kam.band.developing must not be above kam.band.strong' : null),
  (get) => (CONDITION_KEYS.every((c) => get(`kam.weight.${c}`) === 0) ? 'at least one kam.weight.* must be above 0' : null),
  (get) => {
    const groups: Record<string, string[]> = {
      top_management: ['sponsor', 'top_to_top'],
      sales_service: ['team', 'contact', 'activity'],
      goals_mission: ['mission', 'goal', 'on_time'],
      field_reps: ['coverage', 'activity'],
      identification: ['potential', 'complex', 'partnership'],
    };
    for (const [c, parts] of Object.entries(groups)) {
      if (parts.every((p) => get(`kam.${c}.${p}_points`) === 0)) return `the kam.${c}.*_points cannot all be 0`;
    }
    return null;
  },
];

/** The qualification criteria of a key account (DESIGN §2; condition 6; crm report key-candidates). */
export interface QualifySettings {
  readonly minPotentialMinor: number;
  readonly minDecisionMakers: number;
  readonly minBuyingCentre: number;
  readonly minRegions: number;
  readonly partnership: readonly string[];
}

/** Every setting of the key-account scoring, typed. */
export interface KamSettings {
  readonly windowWeeks: number;
  readonly bandStrong: number;
  readonly bandDeveloping: number;
  readonly weights: Readonly<Record<ConditionKey, number>>;
  readonly points: {
    readonly sponsor: number;
    readonly topToTop: number;
    readonly serviceTeam: number;
    readonly serviceContact: number;
    readonly nonSalesActivity: number;
    readonly mission: number;
    readonly goal: number;
    readonly onTime: number;
    readonly repCoverage: number;
    readonly repActivity: number;
    readonly potential: number;
    readonly complex: number;
    readonly partnership: number;
  };
  readonly topToTopKinds: readonly string[];
  readonly minNonSalesActivities: number;
  readonly qualify: QualifySettings;
  readonly maxGap: number;
}

export function qualifySettings(s: Settings): QualifySettings {
  return {
    minPotentialMinor: s.number('kam.qualify.min_potential'),
    minDecisionMakers: s.number('kam.qualify.min_decision_makers'),
    minBuyingCentre: s.number('kam.qualify.min_buying_centre'),
    minRegions: s.number('kam.qualify.min_regions'),
    partnership: s.list('kam.qualify.partnership'),
  };
}

export function kamSettings(s: Settings): KamSettings {
  const weights = Object.fromEntries(CONDITION_KEYS.map((c) => [c, s.number(`kam.weight.${c}`)])) as Record<ConditionKey, number>;
  return {
    windowWeeks: s.number('kam.window_weeks'),
    bandStrong: s.number('kam.band.strong'),
    bandDeveloping: s.number('kam.band.developing'),
    weights,
    points: {
      sponsor: s.number('kam.top_management.sponsor_points'),
      topToTop: s.number('kam.top_management.top_to_top_points'),
      serviceTeam: s.number('kam.sales_service.team_points'),
      serviceContact: s.number('kam.sales_service.contact_points'),
      nonSalesActivity: s.number('kam.sales_service.activity_points'),
      mission: s.number('kam.goals_mission.mission_points'),
      goal: s.number('kam.goals_mission.goal_points'),
      onTime: s.number('kam.goals_mission.on_time_points'),
      repCoverage: s.number('kam.field_reps.coverage_points'),
      repActivity: s.number('kam.field_reps.activity_points'),
      potential: s.number('kam.identification.potential_points'),
      complex: s.number('kam.identification.complex_points'),
      partnership: s.number('kam.identification.partnership_points'),
    },
    topToTopKinds: s.list('kam.top_management.top_to_top_kinds'),
    minNonSalesActivities: s.number('kam.sales_service.min_activities'),
    qualify: qualifySettings(s),
    maxGap: s.number('kam.assess.max_gap'),
  };
}
