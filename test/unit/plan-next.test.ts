import { describe, expect, it } from 'vitest';
import { followUpOf, isSuccess, keyAccountTask, pickContact, planNext, type NextFacts, type NextKeyAccount, type WeekTask } from '../../src/plan/next.js';

const task = (id: number, staffId: number, clientId: number | null, status: WeekTask['status'], extra: Partial<WeekTask> = {}): WeekTask => ({
  id,
  staffId,
  clientId,
  contactId: null,
  kind: 'call',
  task: `задача ${id}`,
  status,
  carryCount: 0,
  completedOn: status === 'done' || status === 'failed' ? '2026-11-18' : null,
  hasSuccessor: false,
  activityOutcome: null,
  ...extra,
});
const key = (id: number, managerId: number | null, extra: Partial<NextKeyAccount> = {}): NextKeyAccount => ({ id, managerId, branchIds: [], lastContact: null, contactId: null, ...extra });

const A = 1;
const B = 2;
const X = 3; // inactive
const facts: NextFacts = {
  week: '2026-W47',
  staff: new Map([
    [A, { id: A, name: 'Андреева', active: true }],
    [B, { id: B, name: 'Борисов', active: true }],
    [X, { id: X, name: 'Уволенный', active: false }],
  ]),
  clients: new Map(
    [5, 6, 7, 8, 21].map((id) => [id, { id, name: `Клиент ${id}`, externalId: `C${id}`, status: id === 7 ? 'lost' : 'active' }]),
  ),
  tasks: [
    task(100, A, 5, 'planned', { contactId: 55, kind: 'meeting', task: 'Встреча' }),
    task(101, A, 6, 'planned', { carryCount: 2 }), // carried twice already
    task(102, A, 6, 'carried', { hasSuccessor: true }),
    task(103, A, 7, 'planned'), // the client is lost
    task(104, X, 5, 'planned'), // the staff member left
    task(105, B, 5, 'done', { kind: 'meeting', task: 'Встреча с директором', activityOutcome: 'success', contactId: 56 }),
    task(106, B, 5, 'done'), // same staff member and client: one follow-up only
    task(107, B, 6, 'done', { activityOutcome: 'neutral' }), // done, but not a success
    task(108, A, 6, 'done', { activityOutcome: 'success' }), // A/6 is being carried: no follow-up besides
    task(109, B, 8, 'done', { kind: 'proposal' }), // B already has a task for 8 next week
    task(110, B, 21, 'done', { kind: 'visit', task: 'Визит в филиал' }), // a branch of key account 20
    task(111, B, null, 'done'), // no client: nothing to follow up
    task(112, A, 5, 'cancelled'),
    task(113, A, 5, 'failed'),
    task(114, A, 6, 'carried'), // carried, but its successor is missing: carried again
  ],
  nextWeekTasks: [
    { staffId: B, clientId: 8 },
    { staffId: X, clientId: 61 },
  ],
  keyAccounts: [
    key(20, A, { branchIds: [21] }), // covered by the follow-up on its branch
    key(30, A, { lastContact: '2026-10-02', contactId: 300 }),
    key(40, null), // no manager
    key(50, X), // the manager left
    key(60, B, { branchIds: [61] }), // something planned on its branch next week
    key(70, B),
  ],
};

describe('plan next: proposals from the week\'s outcome', () => {
  const plan = planNext(facts);

  it('carries not-done tasks with a link and carry_count + 1; follows up successes; contacts uncovered key accounts', () => {
    expect(plan.week).toBe('2026-W47');
    expect(plan.nextWeek).toBe('2026-W48');
    expect(plan.proposals.map((p) => [p.reason, p.staffId, p.clientId, p.sourceTaskId, p.carriedFromId, p.carryCount, p.kind])).toEqual([
      ['carry', A, 5, 100, 100, 1, 'meeting'],
      ['carry', A, 6, 101, 101, 3, 'call'],
      ['carry', A, 6, 114, 114, 1, 'call'],
      ['follow_up', B, 5, 105, null, 0, 'proposal'],
      ['follow_up', B, 21, 110, null, 0, 'proposal'],
      ['key_account', A, 30, null, null, 0, 'call'],
      ['key_account', B, 70, null, null, 0, 'call'],
    ]);
    const [carry, carriedTwice] = plan.proposals;
    expect(carry).toMatchObject({ week: '2026-W48', contactId: 55, task: 'Встреча', why: 'not done in 2026-W47' });
    expect(carriedTwice!.why).toBe('not done in 2026-W47; carried 2 times before');
    expect(plan.proposals[3]).toMatchObject({ task: 'Подготовить КП по итогам: Встреча с директором', contactId: 56 });
    expect(plan.proposals[5]).toMatchObject({ task: 'Связаться с ключевым клиентом (последний контакт 2026-10-02)', contactId: 300 });
    expect(plan.proposals[6]!.task).toBe('Связаться с ключевым клиентом (контактов не было)');
  });

  it('says what it left out and why', () => {
    expect(plan.skipped.map((s) => [s.reason, s.taskId, s.clientId, s.why])).toEqual([
      ['carry', 103, 7, 'the client is lost'],
      ['carry', 104, 5, 'Уволенный is no longer active'],
      ['key_account', null, 40, 'it has no manager'],
      ['key_account', null, 50, 'its manager Уволенный is no longer active'],
    ]);
  });

  it('--staff: only that staff member\'s tasks and key accounts', () => {
    const mine = planNext(facts, { staffId: B });
    expect(mine.proposals.map((p) => [p.reason, p.sourceTaskId ?? p.clientId])).toEqual([
      ['follow_up', 105],
      ['follow_up', 110],
      ['key_account', 70],
    ]);
    expect(mine.skipped).toEqual([]);
  });

  it('is idempotent: once the proposals are written, running it again proposes nothing new', () => {
    const carried = new Set(plan.proposals.flatMap((p) => (p.carriedFromId !== null ? [p.carriedFromId] : [])));
    const after: NextFacts = {
      ...facts,
      tasks: facts.tasks.map((t) => (carried.has(t.id) ? { ...t, status: 'carried', hasSuccessor: true } : t)),
      nextWeekTasks: [...facts.nextWeekTasks, ...plan.proposals.map((p) => ({ staffId: p.staffId, clientId: p.clientId }))],
    };
    const again = planNext(after);
    expect(again.proposals).toEqual([]);
    expect(again.skipped).toEqual(plan.skipped);
  });

  it('a week 53 plan goes to week 1 of the next year', () => {
    expect(planNext({ ...facts, week: '2026-W53' }).proposals[0]!.week).toBe('2027-W01');
  });
});

describe('plan next: the pieces', () => {
  it('the next step after each kind; no prefix piles up on a follow-up of a follow-up', () => {
    expect(followUpOf('meeting', 'Встреча')).toEqual({ kind: 'proposal', task: 'Подготовить КП по итогам: Встреча' });
    expect(followUpOf('proposal', 'Подготовить КП по итогам: Встреча')).toEqual({ kind: 'call', task: 'Обсудить КП: Встреча' });
    expect(followUpOf('call', 'Обсудить КП: Встреча')).toEqual({ kind: 'call', task: 'Развить результат: Встреча' });
    expect(followUpOf(null, 'Звонок')).toEqual({ kind: 'call', task: 'Развить результат: Звонок' });
  });

  it('a success is a done task whose logged activity, if any, says success', () => {
    expect(isSuccess({ status: 'done', activityOutcome: null })).toBe(true);
    expect(isSuccess({ status: 'done', activityOutcome: 'success' })).toBe(true);
    expect(isSuccess({ status: 'done', activityOutcome: 'neutral' })).toBe(false);
    expect(isSuccess({ status: 'failed', activityOutcome: 'success' })).toBe(false);
  });

  it('whom to contact at a key account: decision maker, executive, manager, anyone; lowest id among equals', () => {
    expect(pickContact([])).toBeNull();
    expect(pickContact([{ id: 9, level: 'staff', buyingRole: null }, { id: 4, level: 'manager', buyingRole: null }, { id: 7, level: 'executive', buyingRole: 'user' }])).toBe(7);
    expect(pickContact([{ id: 9, level: 'staff', buyingRole: 'decision_maker' }, { id: 4, level: 'executive', buyingRole: null }])).toBe(9);
    expect(pickContact([{ id: 9, level: 'staff', buyingRole: null }, { id: 3, level: 'staff', buyingRole: null }])).toBe(3);
    expect(keyAccountTask(null)).toContain('контактов не было');
  });
});
