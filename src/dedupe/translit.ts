/**
 * Cyrillic and Latin spellings of one name brought to one comparable form: «Ромашка»,
 * "Romashka" and "Romaschka" all become the key `romashka`. Transliteration alone is not enough,
 * because people transliterate in several systems (ya/ia/ja, kh/h, ts/tz, iy/y/ii); the skeleton
 * folds those variants on the Latin side too.
 */

const CYRILLIC: Readonly<Record<string, string>> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k',
  л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts',
  ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
  // Ukrainian, Belarusian and Kazakh letters that turn up in Russian client bases
  і: 'i', ї: 'yi', є: 'ye', ґ: 'g', ў: 'u', ә: 'a', ғ: 'g', қ: 'k', ң: 'n', ө: 'o', ұ: 'u', ү: 'u', һ: 'h',
};

/** Latin letters with diacritics to their base letter (Müller → muller, Société → societe). */
function stripDiacritics(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ß/g, 'ss').replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/œ/g, 'oe');
}

/**
 * Lower-case Latin transliteration (a practical passport-style system).
 * @example transliterate('Щукин Юрий') // 'shchukin yuriy'
 */
export function transliterate(text: string): string {
  const lower = text.toLowerCase();
  let out = '';
  for (const ch of lower) {
    const t = CYRILLIC[ch];
    out += t === undefined ? ch : t;
  }
  // й/ы/и endings: 'ий' → 'iy' is what the table gives; keep it, the skeleton folds the rest
  return stripDiacritics(out);
}

const SKELETON_RULES: readonly (readonly [RegExp, string])[] = [
  [/tsch|tch/g, 'C'],
  [/shch|sch|sh/g, 'S'],
  [/ch/g, 'C'],
  [/zh/g, 'Z'],
  [/kh/g, 'h'],
  [/ts|tz|cz/g, 'c'],
  [/ph/g, 'f'],
  [/ck/g, 'k'],
  [/q/g, 'k'],
  [/x/g, 'ks'],
  [/w/g, 'v'],
  [/[yj]/g, 'i'],
];

/**
 * A phonetic-ish key of one word (upper-case letters stand for the digraphs sh, ch and zh) for comparing spellings across alphabets and transliteration
 * systems: Cyrillic is transliterated, then sh/sch/shch, kh/h, ts/tz, y/j/i, w/v and doubled
 * letters are folded. Digits are kept; everything else is dropped.
 * @example skeleton('Ромашка') === skeleton('Romaschka') // true
 * @example skeleton('Юрий') === skeleton('Yuriy') && skeleton('Yuriy') === skeleton('Iurii') // true
 */
export function skeleton(word: string): string {
  let s = SKELETONS.get(word);
  if (s === undefined) {
    s = computeSkeleton(word);
    // words repeat a lot across a client base (Вектор, Строй, Москва): remember them, within bounds
    if (SKELETONS.size >= 200_000) SKELETONS.clear();
    SKELETONS.set(word, s);
  }
  return s;
}

const SKELETONS = new Map<string, string>();

function computeSkeleton(word: string): string {
  let s = transliterate(word).replace(/[^a-z0-9]/g, '');
  for (const [re, to] of SKELETON_RULES) s = s.replace(re, to);
  // doubled letters (Phillips / Philips, Мосс / Мос) and a trailing 'i' run ('iy' → 'ii' → 'i')
  return s.replace(/([a-zA-Z])\1+/g, '$1');
}
