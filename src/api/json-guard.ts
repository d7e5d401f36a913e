// Guards on JSON request bodies that Fastify's own parser lacks: a nesting limit checked on the raw
// text before anything recursive sees it (JSON.parse, Ajv, our code), and a refusal of strings that
// cannot be stored as UTF-8 (lone surrogates) or that SQL and C libraries truncate (NUL).
import { invalid } from '../core/errors.js';

/** Far deeper than any body this API takes; shallow enough that no recursion near it can overflow. */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Throws a 400 `too_deep` if brackets in `text` nest deeper than `limit`. One iterative pass that
 * skips string contents (and their escapes); malformed JSON is left for the parser to refuse.
 */
export function assertJsonDepth(text: string, limit = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) throw invalid('too_deep', `the request body nests objects and arrays more than ${limit} levels deep`);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
}

/** A NUL, or a UTF-16 surrogate without its partner (not representable in UTF-8). */
// eslint-disable-next-line no-control-regex
const BAD_CHAR = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/**
 * Throws a 400 `invalid_string` naming the first field (as `attributes.tags[1]`) whose value, or one
 * of whose keys, holds a NUL or a lone surrogate. Iterative, so a deep value cannot overflow the stack.
 */
export function assertStorableStrings(value: unknown, root = ''): void {
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (BAD_CHAR.test(v)) throw invalid('invalid_string', `${path || 'the value'} contains a NUL character or an unpaired UTF-16 surrogate`, path || undefined);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], join(path, i)]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (const [k] of entries) {
        if (BAD_CHAR.test(k)) throw invalid('invalid_string', `${path || 'the body'} has a key containing a NUL character or an unpaired UTF-16 surrogate`, path || undefined);
      }
      for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], join(path, entries[i]![0])]);
    }
  }
}
