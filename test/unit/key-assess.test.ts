import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { questionnaire, ratingsFromFlags } from '../../src/cli/commands/assess.js';
import type { Context } from '../../src/cli/context.js';
import { resolveSettings } from '../../src/config/index.js';
import { kamSettings } from '../../src/config/kam.js';
import { InterruptedError, UsageError } from '../../src/errors.js';
import { kamPeriod, scoreAccount } from '../../src/reports/key-accounts.js';

const account = scoreAccount(
  {
    id: 1,
    externalId: 'K1',
    name: 'АО «Тест»',
    managerName: null,
    potentialMinor: 50_000_000_00,
    partnership: 'contract',
    contractNo: null,
    contractUntil: null,
    mission: 'Миссия',
    units: [],
    team: [],
    contacts: [],
    activityStats: [],
    topToTopCandidates: [],
    lastTopToTopBefore: null,
    planWeeks: [],
    goals: [],
    assessments: [{ criterion: 4, rating: 4, note: null, assessor: null, assessedOn: '2026-05-15' }],
  },
  kamPeriod('2026-11-20', 13),
  kamSettings(resolveSettings([])),
);

const ESC = String.fromCharCode(27);
/** Keystrokes one by one: an arrow key (ESC [ A…D) is one key. */
function splitKeys(keys: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === ESC && keys[i + 1] === '[') {
      out.push(keys.slice(i, i + 3));
      i += 2;
    } else out.push(keys[i]!);
  }
  return out;
}

/** A fake terminal: keys go in, the screen is collected, and each key waits for its prompt. */
function terminal() {
  const input = new PassThrough();
  let screen = '';
  // like process.stderr, the screen outlives each prompt: end() does not close it
  const output = new (class extends Writable {
    override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
      screen += chunk.toString();
      done();
    }
    override end(): this {
      return this;
    }
  })();
  const ctx = { streams: { stdin: input, stderr: output, stdout: output }, info: (m: string) => (screen += `${m}\n`) } as unknown as Context;
  let seen = 0;
  const after = async (text: string, keys: string) => {
    for (let i = 0; i < 500; i++) {
      const at = screen.indexOf(text, seen);
      if (at >= 0) {
        seen = at + text.length;
        // a key at a time, as a person types, once the prompt listens
        for (const key of splitKeys(keys)) {
          await new Promise((r) => setTimeout(r, 20));
          input.write(key);
        }
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`the prompt never showed ${JSON.stringify(text)}; screen:\n${screen}`);
  };
  return { ctx, after, screen: () => screen };
}

const DOWN = '\u001b[B';

describe('crm assess: the questionnaire', () => {
  it('asks each condition with its evidence, then a note, then confirms', async () => {
    const t = terminal();
    const answers = questionnaire(t.ctx, 'АО «Тест» (#1, K1)', account, '2026-11-20');
    await t.after('C1 KAM integrated', `${DOWN}\r`); // from 3 down to 2
    await t.after('Note on C1', 'план есть\r');
    await t.after('C2 top management', '\r');
    await t.after('Note on C2', '\r');
    await t.after('C3 clear communication', `${DOWN}${DOWN}${DOWN}\r`); // 2, 1, skip
    await t.after('C4 goals set', '\r'); // starts on the last rating, 4
    await t.after('Note on C4', '\r');
    await t.after('C5 working relationship', '\r');
    await t.after('Note on C5', '\r');
    await t.after('C6 clear definition', '\r');
    await t.after('Note on C6', '\r');
    await t.after('Save 5 ratings', '\r');
    expect(await answers).toEqual([
      { criterion: 1, rating: 2, note: 'план есть' },
      { criterion: 2, rating: 3, note: null },
      { criterion: 4, rating: 4, note: null },
      { criterion: 5, rating: 3, note: null },
      { criterion: 6, rating: 3, note: null },
    ]);
    expect(t.screen()).toContain('evidence in the base: 0/100 (✗ weeks with a plan task for the account)');
    expect(t.screen()).toContain('your last rating: 4 on 2026-05-15');
  });

  it('Ctrl-C or declining saves nothing: InterruptedError', async () => {
    const a = terminal();
    const cancelled = questionnaire(a.ctx, 'X', account, '2026-11-20');
    await a.after('C1 KAM integrated', '\u0003');
    await expect(cancelled).rejects.toBeInstanceOf(InterruptedError);
    const b = terminal();
    const declined = questionnaire(b.ctx, 'X', account, '2026-11-20');
    for (const c of ['C1', 'C2', 'C3', 'C4', 'C5', 'C6']) {
      await b.after(`${c} `, '\r');
      await b.after(`Note on ${c}`, '\r');
    }
    await b.after('Save 6 ratings', 'n\r');
    await expect(declined).rejects.toThrow('assessment cancelled; nothing was saved');
  });
});

describe('crm assess: ratings as flags', () => {
  it('--c1 … --c6 with notes by number or by condition name', () => {
    expect(ratingsFromFlags({ c2: '5', c4: ' 3 ', note: ['2=спонсор на связи', 'goals_mission: цели на 2027'] })).toEqual([
      { criterion: 2, rating: 5, note: 'спонсор на связи' },
      { criterion: 4, rating: 3, note: 'цели на 2027' },
    ]);
    expect(ratingsFromFlags({})).toEqual([]);
  });
  it('refuses ratings outside 1–5 and notes without a rating', () => {
    expect(() => ratingsFromFlags({ c1: '0' })).toThrow(UsageError);
    expect(() => ratingsFromFlags({ c1: '4.5' })).toThrow(/a rating is a whole number from 1/);
    expect(() => ratingsFromFlags({ c1: '4', note: ['7=x'] })).toThrow(/write it as N=text/);
    expect(() => ratingsFromFlags({ c1: '4', note: ['3=x'] })).toThrow(/--note for condition 3 needs its rating too/);
  });
});
