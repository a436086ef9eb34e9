/**
 * Organisation names taken apart for matching: the legal form (wherever it stands and however it
 * is spelled: ООО «Ромашка», "Ромашка" ООО, Ромашка, ООО, Romashka LLC, N. V., B.V.), the words
 * of the name itself with common abbreviations unified, their transliteration-proof skeletons,
 * the numbers in it (Школа №400 is not Школа №401), and whether it names a branch.
 */
import { fold } from '../util/normalize.js';
import { words } from './text.js';
import { skeleton } from './translit.js';

/** Coarse legal-form classes: a different spelling of one class is no evidence against a match. */
export type LegalClass = 'llc' | 'jsc' | 'sole' | 'state' | 'nonprofit' | 'partnership' | 'co';

interface LegalForm {
  readonly label: string;
  readonly cls: LegalClass;
  /** spellings as word sequences (after folding, splitting and merging dotted letters) */
  readonly spellings: readonly string[];
  /** short forms that are also ordinary words or initials: recognised only at either end of the name */
  readonly edgeOnly?: boolean;
}

const LEGAL_FORMS: readonly LegalForm[] = [
  { label: 'ООО', cls: 'llc', spellings: ['ооо', 'ooo', 'общество с ограниченной ответственностью'] },
  { label: 'ЗАО', cls: 'jsc', spellings: ['зао', 'zao', 'закрытое акционерное общество', 'cjsc'] },
  { label: 'ОАО', cls: 'jsc', spellings: ['оао', 'oao', 'открытое акционерное общество', 'ojsc'] },
  { label: 'ПАО', cls: 'jsc', spellings: ['пао', 'pao', 'публичное акционерное общество', 'pjsc'] },
  { label: 'НАО', cls: 'jsc', spellings: ['нао', 'непубличное акционерное общество'] },
  { label: 'АО', cls: 'jsc', spellings: ['ао', 'акционерное общество', 'jsc', 'ao'] },
  { label: 'ИП', cls: 'sole', spellings: ['ип', 'индивидуальный предприниматель', 'чп', 'частный предприниматель'] },
  { label: 'КФХ', cls: 'sole', spellings: ['кфх', 'крестьянское фермерское хозяйство', 'глава кфх'] },
  { label: 'ФГУП', cls: 'state', spellings: ['фгуп', 'федеральное государственное унитарное предприятие'] },
  { label: 'ГУП', cls: 'state', spellings: ['гуп', 'государственное унитарное предприятие'] },
  { label: 'МУП', cls: 'state', spellings: ['муп', 'муниципальное унитарное предприятие'] },
  { label: 'ФГБУ', cls: 'state', spellings: ['фгбу', 'федеральное государственное бюджетное учреждение'] },
  { label: 'ГБУ', cls: 'state', spellings: ['гбу', 'государственное бюджетное учреждение'] },
  { label: 'МБУ', cls: 'state', spellings: ['мбу', 'муниципальное бюджетное учреждение'] },
  { label: 'ГКУ', cls: 'state', spellings: ['гку', 'государственное казенное учреждение'] },
  { label: 'МКУ', cls: 'state', spellings: ['мку', 'муниципальное казенное учреждение'] },
  { label: 'ГАУ', cls: 'state', spellings: ['гау', 'государственное автономное учреждение'] },
  { label: 'МАУ', cls: 'state', spellings: ['мау', 'муниципальное автономное учреждение'] },
  {
    label: 'ГУ',
    cls: 'state',
    spellings: ['фгу', 'гу', 'му', 'огбу', 'кгбу', 'огку', 'гбуз', 'гауз', 'мбуз', 'гбоу', 'мбоу', 'маоу', 'мадоу', 'мбдоу', 'мдоу', 'гоу', 'гаоу', 'фгбоу', 'фгаоу', 'гбпоу', 'гапоу'],
  },
  { label: 'АНО', cls: 'nonprofit', spellings: ['ано', 'автономная некоммерческая организация', 'нко', 'некоммерческая организация'] },
  { label: 'ТСЖ', cls: 'nonprofit', spellings: ['тсж', 'снт', 'жск', 'нп', 'некоммерческое партнерство'] },
  { label: 'LLC', cls: 'llc', spellings: ['llc', 'limited liability company', 'l l c'] },
  { label: 'Ltd', cls: 'llc', spellings: ['ltd', 'limited', 'pty ltd', 'pty', 'co ltd', 'company limited', 'private limited'] },
  { label: 'GmbH', cls: 'llc', spellings: ['gmbh', 'gesellschaft mit beschrankter haftung', 'ges m b h'] },
  { label: 'B.V.', cls: 'llc', spellings: ['bv', 'besloten vennootschap', 'bvba'] },
  { label: 'S.à r.l.', cls: 'llc', spellings: ['sarl', 'srl', 'sro', 'spzoo', 'sp z oo', 'eurl'] },
  { label: 'PLC', cls: 'jsc', spellings: ['plc', 'public limited company'] },
  { label: 'Inc.', cls: 'jsc', spellings: ['inc', 'incorporated'] },
  { label: 'Corp.', cls: 'jsc', spellings: ['corp', 'corporation'] },
  { label: 'AG', cls: 'jsc', spellings: ['aktiengesellschaft', 'kgaa', 'kg auf aktien'] },
  { label: 'N.V.', cls: 'jsc', spellings: ['nv', 'naamloze vennootschap', 'naamlooze vennootschap'] },
  { label: 'S.p.A.', cls: 'jsc', spellings: ['spa', 'sas', 'oyj', 'asa', 'aktiebolag', 'anonim sirketi', 'publ'] },
  { label: 'AG', cls: 'jsc', spellings: ['ag', 'sa', 'se', 'ab', 'as', 'kk', 'kabushiki kaisha'], edgeOnly: true },
  { label: 'LP', cls: 'partnership', spellings: ['llp', 'lp', 'kg', 'ohg', 'cv', 'vof', 'полное товарищество', 'тоо'], edgeOnly: true },
  { label: 'Co.', cls: 'co', spellings: ['company', 'co', 'cie', 'compagnie', 'ко', 'к'], edgeOnly: true },
  { label: 'vzw', cls: 'nonprofit', spellings: ['vzw', 'asbl', 'ev'], edgeOnly: true },
];

/** Phrases written both in full and abbreviated: unified to one token. */
const PHRASES: readonly (readonly [string, string])[] = [
  ['торговый дом', 'тд'],
  ['торговая компания', 'тк'],
  ['транспортная компания', 'тк'],
  ['строительная компания', 'ск'],
  ['группа компаний', 'гк'],
  ['управляющая компания', 'ук'],
  ['научно производственное объединение', 'нпо'],
  ['научно производственное предприятие', 'нпп'],
  ['научно производственная фирма', 'нпф'],
  ['научно производственная компания', 'нпк'],
  ['производственно коммерческая фирма', 'пкф'],
  ['производственное объединение', 'по'],
  ['строительно монтажное управление', 'сму'],
  ['торгово промышленная компания', 'тпк'],
];

/** Single words with common abbreviations and spelling variants (English and Russian). */
const WORD_FORMS: Readonly<Record<string, string>> = {
  // abbreviations are expanded (not the other way round), so that a typo in the full word still
  // lands near it: "Intenationale" ~ "international"
  intl: 'international', internat: 'international', internationale: 'international', internacional: 'international',
  tech: 'technology', techn: 'technology', technologies: 'technology', technologie: 'technology',
  ind: 'industries', inds: 'industries', industry: 'industries', industrie: 'industries', industrial: 'industries',
  mfg: 'manufacturing',
  lab: 'laboratories', labs: 'laboratories', laboratory: 'laboratories',
  eng: 'engineering', engg: 'engineering',
  chem: 'chemical', chemicals: 'chemical', chemie: 'chemical',
  pharm: 'pharmaceutical', pharma: 'pharmaceutical', pharmaceuticals: 'pharmaceutical', pharmaceutica: 'pharmaceutical',
  prod: 'products', prods: 'products', product: 'products',
  holdings: 'holding',
  electronics: 'electronic',
  им: 'имени',
};

/** Words that carry no identity. */
const STOP = new Set(['the', 'and', 'und', 'et', 'en', 'of', 'и', 'в', 'на', 'г', 'гор', 'город', 'города']);

/** Words that mark a branch, representative office or separate unit of an organisation. */
const BRANCH_WORDS = new Set(['филиал', 'представительство', 'подразделение', 'branch', 'filial', 'оп']);

export interface OrgName {
  readonly raw: string;
  /** the legal forms found, as labels (ООО, АО, LLC…) */
  readonly legalForms: readonly string[];
  readonly legalClass: LegalClass | null;
  /** the words of the name without legal form and stop words (folded) */
  readonly words: readonly string[];
  /** transliteration-proof skeleton of each word */
  readonly skeletons: readonly string[];
  /** the numbers in the name */
  readonly numbers: readonly string[];
  /** skeletons sorted and joined: equal for the same words in any order */
  readonly key: string;
  /** skeletons joined without spaces, in their order: equal for "ShellInternationale" and "Shell Internationale" */
  readonly concat: string;
  /** an individual entrepreneur's name (ИП Фёдоров А. И.): compared as a person's name */
  readonly isPerson: boolean;
  /** the name says it is a branch / representative office */
  readonly isBranch: boolean;
}

/**
 * Joins runs of single Latin letters ("n v" → "nv", "d s m" → "dsm"), the way dotted
 * abbreviations split. Cyrillic single letters are initials or conjunctions (им. А. С. Пушкина,
 * Вектор и К) and stay apart.
 */
function mergeInitials(tokens: string[]): string[] {
  const out: string[] = [];
  let run = '';
  const flush = () => {
    if (run.length === 0) return;
    if (run.length === 1) out.push(run);
    else {
      // a run that ends in a legal form ("dsmnv" from D.S.M. N.V.): split it off
      const form = run.length > 2 ? LEGAL_SUFFIX_RUNS.find((f) => run.endsWith(f) && run.length - f.length >= 2) : undefined;
      if (form) out.push(run.slice(0, -form.length), form);
      else out.push(run);
    }
    run = '';
  };
  for (const t of tokens) {
    if (t.length === 1 && t >= 'a' && t <= 'z') run += t;
    else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
}

const LEGAL_SUFFIX_RUNS = ['nv', 'bv', 'sa', 'ag', 'ab', 'spa', 'plc', 'llc'];

interface Spelling {
  readonly words: readonly string[];
  readonly form: LegalForm;
}

const SPELLINGS: readonly Spelling[] = LEGAL_FORMS.flatMap((form) => form.spellings.map((s) => ({ words: s.split(' '), form }))).sort(
  (a, b) => b.words.length - a.words.length,
);
// phrases are matched by skeleton, so that a transliterated "Torgovyy Dom" is «Торговый дом» too
const PHRASE_LIST = PHRASES.map(([p, to]) => ({ skeletons: p.split(' ').map(skeleton), to }));

function startsWith(tokens: readonly string[], at: number, seq: readonly string[]): boolean {
  if (at + seq.length > tokens.length) return false;
  for (let k = 0; k < seq.length; k++) if (tokens[at + k] !== seq[k]) return false;
  return true;
}

/** The folded word tokens of a name, with dotted abbreviations joined and phrases unified. */
export function nameTokens(name: string): string[] {
  const tokens = mergeInitials(words(fold(name)));
  const skel = tokens.map(skeleton);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    const p = PHRASE_LIST.find((x) => startsWith(skel, i, x.skeletons));
    if (p) {
      out.push(p.to);
      i += p.skeletons.length;
    } else out.push(tokens[i++]!);
  }
  return out;
}

/**
 * Parses an organisation's name.
 * @example parseOrgName('«Ромашка», ООО').key === parseOrgName('Romashka LLC').key // true
 */
export function parseOrgName(name: string, declaredForm?: string | null): OrgName {
  const tokens = nameTokens(name);
  const forms: LegalForm[] = [];
  // legal forms: multi-word ones anywhere; the ambiguous short ones only at either end
  const keep = new Array<boolean>(tokens.length).fill(true);
  for (let i = 0; i < tokens.length; i++) {
    if (!keep[i]) continue;
    const s = SPELLINGS.find((x) => !x.form.edgeOnly && startsWith(tokens, i, x.words));
    if (s) {
      forms.push(s.form);
      for (let k = 0; k < s.words.length; k++) keep[i + k] = false;
    }
  }
  const alive = () => tokens.map((t, i) => (keep[i] ? i : -1)).filter((i) => i >= 0);
  for (let guard = 0; guard < 4; guard++) {
    const idx = alive();
    if (idx.length <= 1) break;
    let removed = false;
    for (const edge of [idx[0]!, idx[idx.length - 1]!]) {
      const s = SPELLINGS.find((x) => x.form.edgeOnly && x.words.length === 1 && tokens[edge] === x.words[0]);
      if (s && alive().length > 1) {
        forms.push(s.form);
        keep[edge] = false;
        removed = true;
      }
    }
    if (!removed) break;
  }
  if (declaredForm) {
    const declared = nameTokens(declaredForm).join(' ');
    const f = SPELLINGS.find((x) => x.words.join(' ') === declared);
    if (f && !forms.includes(f.form)) forms.push(f.form);
  }
  let core = tokens.filter((t, i) => keep[i] && !STOP.has(t)).map((t) => WORD_FORMS[t] ?? t);
  if (core.length === 0) core = tokens.filter((t) => !STOP.has(t));
  if (core.length === 0) core = tokens;
  const classes = forms.map((f) => f.cls).filter((c) => c !== 'co');
  const legalClass = classes[0] ?? (forms.length ? 'co' : null);
  const skeletons = core.map((w) => (/^\p{N}+$/u.test(w) ? w : skeleton(w)));
  const isBranch = core.some((w) => BRANCH_WORDS.has(w)) || (core.includes('обособленное') && core.includes('подразделение'));
  return {
    raw: name,
    legalForms: [...new Set(forms.map((f) => f.label))],
    legalClass,
    words: core,
    skeletons,
    numbers: core.filter((w) => /^\p{N}+$/u.test(w)),
    key: [...skeletons].sort().join(' '),
    concat: skeletons.join(''),
    isPerson: legalClass === 'sole',
    isBranch,
  };
}

/** The canonical label of a legal form as written in a legal_form column ('ооо' → 'ООО'), or null. */
export function legalFormLabel(text: string): string | null {
  const t = nameTokens(text).join(' ');
  return SPELLINGS.find((x) => x.words.join(' ') === t)?.form.label ?? null;
}

/** How two legal forms compare: the same, the same class (ЗАО / АО, LLC / ООО), or different classes. */
export function compareLegal(a: OrgName, b: OrgName): 'same' | 'class' | 'different' | 'unknown' {
  if (a.legalClass === null || b.legalClass === null || a.legalClass === 'co' || b.legalClass === 'co') return 'unknown';
  if (a.legalForms.some((f) => b.legalForms.includes(f))) return 'same';
  if (a.legalClass === b.legalClass) return 'class';
  return 'different';
}
