/**
 * Postal addresses for matching: the same place written as «ул. Ленина, д. 5, корп. 2» or
 * «Ленина улица 5 к2»; street-type words and their abbreviations are unified and then set aside,
 * numbers (postcode, house, building, flat) must agree exactly, words may differ by a typo.
 */
import { fold } from '../util/normalize.js';
import { jaroWinkler, splitLetterDigit, words } from './text.js';
import { skeleton } from './translit.js';

/** Street-type and unit words, full and abbreviated (Russian and English): unified to one tag each. */
const TYPE_WORDS: Record<string, string> = {};
const TYPES: readonly (readonly [string, readonly string[]])[] = [
  ['ул', ['ул', 'улица', 'street', 'st', 'str']],
  ['д', ['д', 'дом', 'house']],
  ['к', ['к', 'корп', 'корпус', 'building', 'bldg', 'block', 'blk']],
  ['стр', ['стр', 'строение', 'с']],
  ['пр', ['пр', 'просп', 'проспект', 'avenue', 'ave', 'av']],
  ['пер', ['пер', 'переулок', 'lane', 'ln']],
  ['ш', ['ш', 'шоссе', 'highway', 'hwy']],
  ['б', ['б', 'бул', 'бульвар', 'boulevard', 'blvd']],
  ['пл', ['пл', 'площадь', 'square', 'sq', 'place', 'pl']],
  ['наб', ['наб', 'набережная', 'embankment', 'quay']],
  ['прд', ['проезд', 'drive', 'dr']],
  ['туп', ['туп', 'тупик', 'close', 'cl', 'court', 'ct']],
  ['мкр', ['мкр', 'мкрн', 'микрорайон', 'мр']],
  ['оф', ['оф', 'офис', 'office', 'suite', 'ste']],
  ['кв', ['кв', 'квартира', 'apartment', 'apt', 'apmt', 'apmnt', 'unit', 'flat', 'flt']],
  ['пом', ['пом', 'помещение', 'room', 'rm']],
  ['эт', ['эт', 'этаж', 'floor', 'fl', 'level', 'lvl']],
  ['г', ['г', 'город', 'гор', 'city']],
  ['обл', ['обл', 'область', 'region']],
  ['р-н', ['р', 'район', 'district']],
  ['п', ['п', 'пос', 'поселок', 'пгт', 'village']],
  ['край', ['край', 'кр']],
  ['респ', ['респ', 'республика']],
  ['road', ['road', 'rd']],
  ['crescent', ['crescent', 'cres', 'cr']],
  ['circuit', ['circuit', 'cct']],
  ['terrace', ['terrace', 'tce', 'terr']],
  ['parade', ['parade', 'pde']],
  ['way', ['way', 'wy']],
];
for (const [tag, spellings] of TYPES) for (const s of spellings) TYPE_WORDS[s] = tag;
const HYPHENATED: Readonly<Record<string, string>> = { 'пр-кт': 'проспект', 'пр-т': 'проспект', 'б-р': 'бульвар', 'р-н': 'район', 'пр-д': 'проезд' };

export interface AddressToken {
  readonly skeleton: string;
  readonly number: boolean;
}

export interface Address {
  readonly raw: string;
  /** identifying words and numbers, street-type words removed */
  readonly tokens: readonly AddressToken[];
}

export function parseAddress(text: string): Address {
  // hyphenated abbreviations ("пр-т", "б-р", "р-н", "пр-д") before the hyphen splits them
  const t = splitLetterDigit(fold(text)).replace(/(?<!\p{L})(пр-кт|пр-т|б-р|р-н|пр-д)(?!\p{L})/gu, (m) => HYPHENATED[m] ?? m);
  const tokens: AddressToken[] = [];
  for (const w of words(t)) {
    if (TYPE_WORDS[w] !== undefined) continue;
    if (/^\p{N}+$/u.test(w)) tokens.push({ skeleton: w.replace(/^0+(?=\d)/, ''), number: true });
    else tokens.push({ skeleton: skeleton(w), number: false });
  }
  return { raw: text, tokens: tokens.filter((x) => x.skeleton.length > 0) };
}

/**
 * Similarity of two addresses in [0, 1]: word tokens match by Jaro-Winkler ≥ 0.88, numbers only
 * when equal; numbers weigh more (a different house number is a different place).
 */
export function compareAddresses(a: Address, b: Address): number {
  const ta = a.tokens;
  const tb = b.tokens;
  if (ta.length === 0 || tb.length === 0) return 0;
  const w = (t: AddressToken) => (t.number ? 1.5 : 1);
  const usedB = new Uint8Array(tb.length);
  let sum = 0;
  // numbers first, exactly; then words, best partner first
  for (const t of ta) {
    if (!t.number) continue;
    const j = tb.findIndex((u, k) => !usedB[k] && u.number && u.skeleton === t.skeleton);
    if (j >= 0) {
      usedB[j] = 1;
      sum += w(t);
    }
  }
  for (const t of ta) {
    if (t.number) continue;
    let best = -1;
    let bestS = 0;
    for (let k = 0; k < tb.length; k++) {
      const u = tb[k]!;
      if (usedB[k] || u.number) continue;
      const s = jaroWinkler(t.skeleton, u.skeleton);
      if (s > bestS) {
        bestS = s;
        best = k;
      }
    }
    if (best >= 0 && bestS >= 0.88) {
      usedB[best] = 1;
      sum += bestS;
    }
  }
  const wa = ta.reduce((s, t) => s + w(t), 0);
  const wb = tb.reduce((s, t) => s + w(t), 0);
  return (2 * sum) / (wa + wb);
}
