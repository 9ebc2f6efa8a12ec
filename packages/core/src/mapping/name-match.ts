/**
 * Name similarity for data mapping: `first_name`, `firstName`, `First Name` and `given name`
 * are the same field; `mail` and `email`, `tel` and `phone` are synonyms.
 */

/** Splits a field name into lower-case words: camelCase, snake_case, kebab-case, dots, spaces. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])(\d)/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== '');
}

/** Words that mean the same thing, mapped to one canonical word. */
const WORD_SYNONYMS: Readonly<Record<string, string>> = {
  mail: 'email',
  emailaddress: 'email',
  tel: 'phone',
  telephone: 'phone',
  mobile: 'phone',
  cell: 'phone',
  cellphone: 'phone',
  phonenumber: 'phone',
  zip: 'postcode',
  zipcode: 'postcode',
  postal: 'postcode',
  postalcode: 'postcode',
  organization: 'company',
  organisation: 'company',
  org: 'company',
  employer: 'company',
  business: 'company',
  surname: 'lastname',
  familyname: 'lastname',
  lname: 'lastname',
  forename: 'firstname',
  givenname: 'firstname',
  fname: 'firstname',
  fullname: 'name',
  displayname: 'name',
  addr: 'address',
  street: 'address',
  town: 'city',
  nation: 'country',
  url: 'url',
  uri: 'url',
  link: 'url',
  href: 'url',
  website: 'url',
  homepage: 'url',
  site: 'url',
  identifier: 'id',
  uuid: 'id',
  desc: 'description',
  qty: 'quantity',
  amt: 'amount',
  total: 'amount',
  price: 'amount',
  created: 'createdat',
  updated: 'updatedat',
  dob: 'birthdate',
  birthday: 'birthdate',
  msg: 'message',
  comment: 'note',
  notes: 'note',
  remarks: 'note',
  tags: 'tag',
  labels: 'tag',
};

/** Related but not identical roles (a lower score): "to" is usually an email address. */
const RELATED: ReadonlyArray<readonly [string, string]> = [
  ['to', 'email'],
  ['recipient', 'email'],
  ['from', 'email'],
  ['sender', 'email'],
  ['subject', 'title'],
  ['text', 'message'],
  ['body', 'message'],
  ['text', 'description'],
  ['body', 'description'],
  ['content', 'message'],
  ['name', 'firstname'],
  ['name', 'lastname'],
  ['name', 'title'],
  ['company', 'account'],
  ['status', 'stage'],
];

/** The canonical form of a name: its words joined and with synonyms applied, as a phrase and as words. */
export function canonicalName(name: string): { phrase: string; words: string[] } {
  const tokens = nameTokens(name);
  const joined = tokens.join('');
  const phrase = WORD_SYNONYMS[joined] ?? joined;
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const pair = i + 1 < tokens.length ? `${tokens[i]}${tokens[i + 1]}` : undefined;
    if (pair !== undefined && WORD_SYNONYMS[pair] !== undefined) {
      words.push(WORD_SYNONYMS[pair]!);
      i += 1;
    } else if (pair === 'firstname' || pair === 'lastname') {
      words.push(pair);
      i += 1;
    } else {
      words.push(WORD_SYNONYMS[tokens[i]!] ?? tokens[i]!);
    }
  }
  return { phrase, words };
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}

/** How alike two names are, from 0 to 1, and why. */
export interface NameMatch {
  score: number;
  reason: string;
}

/**
 * Scores how alike two field names are: 1 for the same name in another case style or a
 * synonym, less for shared words, a near spelling or a related role; 0 when unrelated.
 *
 * @example
 * ```ts
 * nameSimilarity('first_name', 'givenName'); // { score: 1, reason: 'synonyms' }
 * ```
 */
export function nameSimilarity(a: string, b: string): NameMatch {
  const x = canonicalName(a);
  const y = canonicalName(b);
  if (x.phrase === '' || y.phrase === '') return { score: 0, reason: 'no name' };
  if (nameTokens(a).join('') === nameTokens(b).join('')) return { score: 1, reason: 'same name' };
  const forms = (n: { phrase: string; words: string[] }): string[] => {
    const joined = n.words.join('');
    return [n.phrase, joined, WORD_SYNONYMS[joined] ?? joined];
  };
  const fy = new Set(forms(y));
  if (forms(x).some((form) => fy.has(form))) return { score: 0.95, reason: 'synonyms' };
  const sx = new Set(x.words);
  const sy = new Set(y.words);
  const shared = [...sx].filter((w) => sy.has(w)).length;
  let best: NameMatch = { score: 0, reason: 'unrelated' };
  if (shared > 0) {
    const dice = (2 * shared) / (sx.size + sy.size);
    best = {
      score: 0.4 + 0.5 * dice,
      reason: `shared words (${[...sx].filter((w) => sy.has(w)).join(', ')})`,
    };
  }
  const longest = Math.max(x.phrase.length, y.phrase.length);
  if (longest >= 5) {
    const closeness = 1 - editDistance(x.phrase, y.phrase) / longest;
    if (closeness >= 0.8 && 0.85 * closeness > best.score)
      best = { score: 0.85 * closeness, reason: 'similar spelling' };
  }
  for (const [p, q] of RELATED) {
    const related = (x.phrase === p && y.phrase === q) || (x.phrase === q && y.phrase === p);
    if (related && best.score < 0.6) best = { score: 0.6, reason: `"${p}" is often a ${q}` };
  }
  return best;
}
