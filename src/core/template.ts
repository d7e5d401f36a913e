// Personalisation: message texts are Liquid templates (`Hi {{ customer.first_name | default: "there" }}`),
// parsed once and rendered per recipient. The engine is locked down: no file system (include,
// render and layout are refused when parsing), no HTML escaping (these are SMS, not pages), only
// known filters, and every render bounded in time, memory and output length.
import { EchoTag, Liquid, Output, type Template } from 'liquidjs';
import { compileFast, renderFast, type FastTemplate } from './template-fast.js';

/** What a template sees: the recipient's profile and the send's own data. */
export interface TemplateVariables {
  customer?: { customer_id: string; phone: string | null; [attribute: string]: unknown };
  data?: Record<string, unknown>;
}

export interface ParsedTemplate {
  readonly source: string;
  readonly nodes: Template[];
  /** Literal text and plain outputs only: rendered without LiquidJS (template-fast.ts). */
  readonly fast: FastTemplate | null;
}

export interface TemplateSyntaxError {
  message: string;
  line: number;
  column: number;
}

export type Rendered = { ok: true; text: string; missing: string[] } | { ok: false; error: string };

export interface RenderLimits {
  /** Longest text a render may produce, in UTF-16 code units. */
  maxChars: number;
  /** Wall-clock budget of one render, in ms. */
  timeMs: number;
  /** LiquidJS's memory budget: range sizes, string lengths built by filters and tags. */
  memory: number;
}

export const DEFAULT_LIMITS: RenderLimits = { maxChars: 1600, timeMs: 50, memory: 100_000 };

/** The longest template accepted: the API's longest body. */
export const MAX_TEMPLATE_CHARS = 10_000;

const engine = new Liquid({
  // An empty in-memory mapping: nothing is ever looked up on disk.
  templates: {},
  ownPropertyOnly: true,
  strictFilters: true,
  strictVariables: false,
  // Dates format the same wherever the hub runs.
  timezoneOffset: 0,
  parseLimit: MAX_TEMPLATE_CHARS,
});
for (const name of ['include', 'render', 'layout']) {
  engine.registerTag(name, {
    parse(token) {
      throw new Error(`the ${token.name} tag is not available in messages`);
    },
    render() {
      return '';
    },
  });
}

/** A Symbol, so no template can read or overwrite the list through `globals`. */
const MISSING = Symbol('missing variables');

/** True when the text holds Liquid markup; plain texts need no rendering. */
export function isTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('{%');
}

export function parseTemplate(source: string): { ok: true; template: ParsedTemplate } | { ok: false; error: TemplateSyntaxError } {
  let nodes: Template[];
  try {
    nodes = engine.parse(source);
  } catch (err) {
    return { ok: false, error: syntaxError(err) };
  }
  watchOutputs(nodes);
  return { ok: true, template: { source, nodes, fast: compileFast(nodes) } };
}

export function renderTemplate(template: ParsedTemplate, variables: TemplateVariables, limits: RenderLimits = DEFAULT_LIMITS): Rendered {
  const fast = template.fast && renderFast(template.fast, variables);
  if (fast) {
    if (fast.text.length > limits.maxChars) return { ok: false, error: `the rendered text is longer than ${limits.maxChars} characters` };
    return { ok: true, text: fast.text, missing: fast.missing };
  }
  const missing: string[] = [];
  let text: string;
  try {
    text = engine.renderSync(template.nodes, variables, {
      globals: { [MISSING]: missing },
      renderLimit: limits.timeMs,
      memoryLimit: limits.memory,
    }) as string;
  } catch (err) {
    return { ok: false, error: stripPosition(err instanceof Error ? err.message : String(err)) };
  }
  if (text.length > limits.maxChars) return { ok: false, error: `the rendered text is longer than ${limits.maxChars} characters` };
  return { ok: true, text, missing: [...new Set(missing)] };
}

/** The variables a customer's profile and a send's data give a template. */
export function templateVariables(customer: { customer_id: string; phone: string | null; attributes: Record<string, unknown> } | null, data?: Record<string, unknown>): TemplateVariables {
  return variablesOver(customer && { ...customer.attributes }, customer, data);
}

/**
 * The same, filling `attributes` in place: for a caller whose attributes object is its own (just
 * parsed), so a launch doesn't copy a million of them.
 */
export function variablesOver(attributes: Record<string, unknown> | null, customer: { customer_id: string; phone: string | null } | null, data?: Record<string, unknown>): TemplateVariables {
  const vars: TemplateVariables = {};
  if (customer) {
    const own = attributes !== null && typeof attributes === 'object' && !Array.isArray(attributes) ? attributes : {};
    // The profile's own fields win over attributes of the same name.
    own.customer_id = customer.customer_id;
    own.phone = customer.phone;
    vars.customer = own as TemplateVariables['customer'];
  }
  if (data) vars.data = data;
  return vars;
}

function syntaxError(err: unknown): TemplateSyntaxError {
  const e = err as { message?: string; originalError?: { message?: string }; token?: { getPosition?: () => [number, number] } };
  const [line, column] = e.token?.getPosition?.() ?? [1, 1];
  return { message: stripPosition(e.originalError?.message ?? e.message ?? String(err)), line, column };
}

/** LiquidJS appends ", line:1, col:4" to its messages; callers give the position their own way. */
function stripPosition(message: string): string {
  return message.replace(/, line:\d+, col:\d+$/, '');
}

interface OutputNode {
  value?: { initial: { evaluate(ctx: unknown, lenient: boolean): unknown; postfix: { getText(): string }[] }; filters: { name: string }[] };
  render(ctx: { globals: Record<symbol, unknown> }, emitter: unknown): Generator<unknown, void, unknown>;
  children?: (partials: boolean, sync: boolean) => Generator<unknown, Template[], unknown>;
}

/**
 * Makes each `{{ … }}` (and `{% echo %}`) without a `default` filter note its variable when it is undefined or nil
 * at render. Done at render rather than by reading the template, so `{% if x %}{{ x }}{% endif %}`
 * and loop variables count only when actually output empty.
 */
function watchOutputs(nodes: Template[]): void {
  for (const n of nodes) {
    const node = n as unknown as OutputNode;
    const writes = n instanceof Output || n instanceof EchoTag;
    if (writes && node.value && !node.value.filters.some((f) => f.name === 'default')) {
      const original = node.render.bind(node);
      const initial = node.value.initial;
      const name = initial.postfix.map((t) => t.getText()).join(' ');
      node.render = function* (ctx, emitter) {
        const value: unknown = yield initial.evaluate(ctx, true);
        if (value === undefined || value === null) (ctx.globals[MISSING] as string[]).push(name);
        yield* original(ctx, emitter);
      };
    }
    if (node.children) watchOutputs(drain(node.children(false, true)));
  }
}

/** Runs a LiquidJS static-analysis generator that needs no partials to its result. */
function drain<T>(gen: Generator<unknown, T, unknown>): T {
  let r = gen.next();
  while (!r.done) r = gen.next(r.value);
  return r.value;
}
