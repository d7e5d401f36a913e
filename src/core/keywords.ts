// Keyword auto-responses for inbound messages: the compliance keywords (opt out, opt back in,
// help) and a project's own. A keyword is the whole message, never a word inside it.

export type KeywordAction = 'opt_out' | 'opt_in' | 'help' | 'reply';

export interface KeywordGroup {
  keywords: string[];
  /** The reply; empty for none. */
  reply: string;
}

export interface KeywordConfig {
  opt_out: KeywordGroup;
  opt_in: KeywordGroup;
  help: KeywordGroup;
  custom: { keyword: string; reply: string }[];
}

export const DEFAULT_KEYWORDS: KeywordConfig = {
  opt_out: {
    keywords: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'],
    reply: 'You have been unsubscribed and will receive no more messages. Reply START to subscribe again.',
  },
  opt_in: {
    keywords: ['START', 'YES', 'UNSTOP'],
    reply: 'You have been subscribed again. Reply STOP to unsubscribe, HELP for help.',
  },
  help: {
    keywords: ['HELP', 'INFO'],
    reply: 'Reply STOP to unsubscribe, START to subscribe again.',
  },
  custom: [],
};

/**
 * The canonical form a keyword and a message are compared in: Unicode-normalised (NFKC, so
 * full-width and compatibility forms match), accents folded (`Arrêt` is `ARRET`: customers type
 * keywords with and without them), invisible format characters removed, trimmed, inner
 * whitespace collapsed, upper-cased. Only the combining diacritical marks of Latin, Greek and
 * Cyrillic letters are folded: in other scripts (Devanagari vowel signs, say) a mark changes
 * the word.
 */
export function normalizeKeyword(text: string): string {
  return text
    .normalize('NFKC')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/gu, '')
    .normalize('NFC')
    .replace(/\p{Cf}/gu, '')
    .trim()
    .replace(/\s+/gu, ' ')
    .toUpperCase();
}

export interface KeywordMatch {
  action: KeywordAction;
  /** The keyword as configured. */
  keyword: string;
  reply: string;
}

/** The rule a message triggers, if it is exactly one of the keywords. Compliance keywords win. */
export function matchKeyword(config: KeywordConfig, text: string): KeywordMatch | null {
  const message = normalizeKeyword(text);
  if (!message) return null;
  const groups: [KeywordAction, KeywordGroup][] = [
    ['opt_out', config.opt_out],
    ['opt_in', config.opt_in],
    ['help', config.help],
  ];
  for (const [action, group] of groups) {
    const keyword = group.keywords.find((k) => normalizeKeyword(k) === message);
    if (keyword) return { action, keyword, reply: group.reply };
  }
  const custom = config.custom.find((c) => normalizeKeyword(c.keyword) === message);
  return custom ? { action: 'reply', keyword: custom.keyword, reply: custom.reply } : null;
}

/** Problems with a configuration: a keyword used twice would make the outcome ambiguous. */
export function keywordConflicts(config: KeywordConfig): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  const all: [string, string][] = [
    ...config.opt_out.keywords.map((k): [string, string] => [k, 'opt_out']),
    ...config.opt_in.keywords.map((k): [string, string] => [k, 'opt_in']),
    ...config.help.keywords.map((k): [string, string] => [k, 'help']),
    ...config.custom.map((c): [string, string] => [c.keyword, 'custom']),
  ];
  for (const [keyword, where] of all) {
    const n = normalizeKeyword(keyword);
    if (!n) problems.push(`an empty keyword in ${where}`);
    else if (seen.has(n)) problems.push(`"${keyword}" is both in ${seen.get(n)} and ${where}`);
    else seen.set(n, where);
  }
  return problems;
}

/** Whether two keyword groups act alike: the same keywords (as matched) and the same reply. */
export function sameKeywordGroup(a: KeywordGroup, b: KeywordGroup): boolean {
  const keys = (g: KeywordGroup) => [...new Set(g.keywords.map(normalizeKeyword))].sort().join('\n');
  return a.reply === b.reply && keys(a) === keys(b);
}

/** A partial change of a channel's rules: groups merge field by field; `custom` replaces the list. */
export interface KeywordPatch {
  opt_out?: Partial<KeywordGroup>;
  opt_in?: Partial<KeywordGroup>;
  help?: Partial<KeywordGroup>;
  custom?: KeywordConfig['custom'];
}

export function applyKeywordPatch(current: KeywordConfig, patch: KeywordPatch): KeywordConfig {
  const group = (g: KeywordGroup, p: Partial<KeywordGroup> | undefined): KeywordGroup => ({ keywords: p?.keywords ?? g.keywords, reply: p?.reply ?? g.reply });
  return {
    opt_out: group(current.opt_out, patch.opt_out),
    opt_in: group(current.opt_in, patch.opt_in),
    help: group(current.help, patch.help),
    custom: patch.custom ?? current.custom,
  };
}
