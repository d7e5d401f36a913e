// A fast path for the commonest templates: literal text and plain outputs of a profile field
// (`Hi {{ customer.first_name }}, your {{ customer.tier }} offer`). A campaign renders its body
// once per recipient; LiquidJS spends ~10 µs and several KB of short-lived objects on each render,
// which for a million recipients is most of a launch's time and garbage. Such a template is
// rendered here by concatenation instead, with exactly LiquidJS's output: a value that is not a
// string, number or boolean, a path through something other than plain own properties, or any
// tag or filter makes the template (or that recipient) take the LiquidJS path. template.test.ts
// checks both paths give the same text and the same missing variables.
import { Output, TokenKind, type Template } from 'liquidjs';
import type { TemplateVariables } from './template.js';

type Part = string | { path: string[]; name: string };

/** A template the fast path can render: its literal texts and outputs, in order. */
export interface FastTemplate {
  readonly parts: readonly Part[];
}

// LiquidJS reads these names specially (an array's size/first/last, whatever the object holds).
const SPECIAL = new Set(['size', 'first', 'last']);
const ROOTS = new Set(['customer', 'data']);

interface OutputShape {
  value?: { initial?: { postfix?: { literalPath?: unknown; getText(): string }[] }; filters?: unknown[] };
}

/** The template's fast form, or null when it holds anything but literal text and plain outputs. */
export function compileFast(nodes: readonly Template[]): FastTemplate | null {
  const parts: Part[] = [];
  for (const n of nodes) {
    const node = n as unknown as { token?: { kind?: number }; str?: unknown };
    if (node.token?.kind === TokenKind.HTML && typeof node.str === 'string') {
      parts.push(node.str);
      continue;
    }
    if (!(n instanceof Output)) return null;
    const value = (n as unknown as OutputShape).value;
    const postfix = value?.initial?.postfix;
    if (!postfix || postfix.length !== 1 || (value.filters?.length ?? 0) !== 0) return null;
    const path = postfix[0]!.literalPath;
    if (!Array.isArray(path) || path.length === 0 || !path.every((p): p is string => typeof p === 'string' && !SPECIAL.has(p)) || !ROOTS.has(path[0]!)) return null;
    // The name the missing-variable watch gives it (template.ts).
    parts.push({ path, name: postfix.map((t) => t.getText()).join(' ') });
  }
  return { parts };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The text and the names of outputs that were missing (undefined or null), or null when a value
 * needs LiquidJS (an object, an array, a function, a path through anything but plain objects).
 */
export function renderFast(t: FastTemplate, vars: TemplateVariables): { text: string; missing: string[] } | null {
  let text = '';
  let missing: string[] | null = null;
  for (const part of t.parts) {
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    let v: unknown = vars;
    for (const key of part.path) {
      if (v === undefined || v === null) break;
      if (!isPlainObject(v)) return null;
      v = Object.hasOwn(v, key) ? v[key] : undefined;
    }
    if (v === undefined || v === null) {
      (missing ??= []).push(part.name);
    } else if (typeof v === 'string') {
      text += v;
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      text += String(v);
    } else {
      return null;
    }
  }
  return { text, missing: missing ? [...new Set(missing)] : [] };
}
