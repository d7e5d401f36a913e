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

/** An array or object being walked: its values, its keys (null for an array), the next index, its path. */
interface Frame {
  values: unknown[];
  keys: string[] | null;
  next: number;
  path: string;
}

function frameOf(v: object, path: string): Frame {
  if (Array.isArray(v)) return { values: v as unknown[], keys: null, next: 0, path };
  const keys = Object.keys(v);
  for (const k of keys) {
    if (BAD_CHAR.test(k)) throw invalid('invalid_string', `${path || 'the body'} has a key containing a NUL character or an unpaired UTF-16 surrogate`, path || undefined);
  }
  return { values: keys.map((k) => (v as Record<string, unknown>)[k]), keys, next: 0, path };
}

/**
 * Throws a 400 `invalid_string` naming the first field (as `attributes.tags[1]`) whose value, or one
 * of whose keys, holds a NUL or a lone surrogate. Iterative, so a deep value cannot overflow the
 * stack; a path is built only for a nested array or object, or for the field at fault, so a list
 * of a million ids costs no allocation per id.
 */
export function assertStorableStrings(value: unknown, root = ''): void {
  if (typeof value === 'string') {
    if (BAD_CHAR.test(value)) throw invalid('invalid_string', `${root || 'the value'} contains a NUL character or an unpaired UTF-16 surrogate`, root || undefined);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const stack: Frame[] = [frameOf(value, root)];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.next >= f.values.length) {
      stack.pop();
      continue;
    }
    const i = f.next++;
    const v = f.values[i];
    if (typeof v === 'string') {
      if (BAD_CHAR.test(v)) {
        const path = join(f.path, f.keys ? f.keys[i]! : i);
        throw invalid('invalid_string', `${path} contains a NUL character or an unpaired UTF-16 surrogate`, path);
      }
    } else if (v !== null && typeof v === 'object') {
      stack.push(frameOf(v, join(f.path, f.keys ? f.keys[i]! : i)));
    }
  }
}
