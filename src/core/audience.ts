// An audience filter (docs/audiences.md): the JSON a marketer writes, checked field by field and
// turned into a small tree the store compiles to a query. Pure: no clock, no database; the
// negated spellings (`ne`, `not_exists`, `not_received`…) become a `not` node here, so the
// compiler knows only the positive forms.
import { invalid } from './errors.js';
import type { Channel } from './status.js';

export const ATTRIBUTE_OPS = ['eq', 'ne', 'in', 'exists', 'not_exists', 'gt', 'gte', 'lt', 'lte', 'before', 'after', 'within_last_days'] as const;
export type AttributeOp = (typeof ATTRIBUTE_OPS)[number];
export const CONSENT_STATES = ['opted_in', 'opted_out', 'not_opted_out'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];
export const EVENT_KINDS = ['sent', 'received', 'clicked'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
const CHANNELS: readonly Channel[] = ['sms', 'mms', 'whatsapp', 'rcs'];

/** Bounds that keep one filter a query SQLite plans and runs quickly. */
export const FILTER_LIMITS = { maxDepth: 8, maxNodes: 200, maxItems: 100, maxInValues: 1000, maxString: 1000, maxDays: 36_500 } as const;

export type Scalar = string | number | boolean;

/** The positive comparisons the compiler knows; `ne`/`not_exists` are `not` around `eq`/`exists`. */
export type AttributeTest =
  | { op: 'eq'; value: Scalar }
  | { op: 'in'; values: (string | number)[] }
  | { op: 'exists' }
  | { op: 'gt' | 'gte' | 'lt' | 'lte'; value: number }
  /** ISO date-times as epoch ms; `within_last_days` is `after` now − N days (and not after now). */
  | { op: 'before' | 'after'; at: number }
  | { op: 'within_last_days'; days: number };

export type FilterNode =
  | { kind: 'all'; items: FilterNode[] }
  | { kind: 'any'; items: FilterNode[] }
  | { kind: 'not'; item: FilterNode }
  | ({ kind: 'attribute'; name: string } & AttributeTest)
  /** channel null: the campaign's (or the estimate's) channel. */
  | { kind: 'consent'; state: ConsentState; channel: Channel | null }
  /** campaignId null: any campaign; withinDays null: any time. */
  | { kind: 'event'; event: EventKind; campaignId: string | null; withinDays: number | null };

const ATTRIBUTE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$/;
const CAMPAIGN_ID = /^cmp_[0-9a-z]{1,64}$/;
// A calendar date, or a date-time with an optional offset (none: UTC), as SQLite's date functions read them.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** Epoch ms of an ISO date or date-time; one without an offset is UTC. NaN when it is not one. */
export function isoToMs(s: string): number {
  if (!ISO_DATE.test(s)) return NaN;
  const t = s.replace(' ', 'T');
  const withZone = t.length <= 10 ? `${t}T00:00:00Z` : /(?:Z|[+-]\d{2}:\d{2})$/.test(t) ? t : `${t}Z`;
  return Date.parse(withZone);
}

class Parser {
  nodes = 0;

  node(v: unknown, path: string, depth: number): FilterNode {
    if (depth > FILTER_LIMITS.maxDepth) throw invalid('invalid_filter', `${path}: filters nest at most ${FILTER_LIMITS.maxDepth} deep`, path);
    if (++this.nodes > FILTER_LIMITS.maxNodes) throw invalid('invalid_filter', `the filter holds more than ${FILTER_LIMITS.maxNodes} conditions`, path);
    if (!isObject(v)) throw invalid('invalid_filter', `${path} must be an object, not ${describe(v)}`, path);
    const kinds = ['all', 'any', 'not', 'attribute', 'consent', 'event'].filter((k) => k in v);
    if (kinds.length !== 1) {
      throw invalid(
        'invalid_filter',
        kinds.length === 0
          ? `${path} must have one of all, any, not, attribute, consent, event`
          : `${path} has both ${kinds.join(' and ')}: one condition per object (nest them in all/any)`,
        path,
      );
    }
    switch (kinds[0]) {
      case 'all':
      case 'any':
        return this.group(v, kinds[0], path, depth);
      case 'not':
        this.only(v, ['not'], path);
        return { kind: 'not', item: this.node(v.not, `${path}.not`, depth + 1) };
      case 'attribute':
        return this.attribute(v, path);
      case 'consent':
        return this.consent(v, path);
      default:
        return this.event(v, path);
    }
  }

  only(v: Json, keys: string[], path: string): void {
    for (const k of Object.keys(v)) if (!keys.includes(k)) throw invalid('invalid_filter', `${path}.${k} is not a known field here`, `${path}.${k}`);
  }

  group(v: Json, kind: 'all' | 'any', path: string, depth: number): FilterNode {
    this.only(v, [kind], path);
    const items = v[kind];
    const at = `${path}.${kind}`;
    if (!Array.isArray(items)) throw invalid('invalid_filter', `${at} must be an array of conditions`, at);
    if (items.length === 0 || items.length > FILTER_LIMITS.maxItems) throw invalid('invalid_filter', `${at} must hold 1 to ${FILTER_LIMITS.maxItems} conditions`, at);
    return { kind, items: items.map((item, i) => this.node(item, `${at}[${i}]`, depth + 1)) };
  }

  attribute(v: Json, path: string): FilterNode {
    this.only(v, ['attribute', 'op', 'value'], path);
    const name = v.attribute;
    if (typeof name !== 'string' || !ATTRIBUTE_NAME.test(name)) {
      throw invalid('invalid_filter', `${path}.attribute must be an attribute name (letters, digits, _ and -, up to 128)`, `${path}.attribute`);
    }
    const op = v.op;
    if (typeof op !== 'string' || !(ATTRIBUTE_OPS as readonly string[]).includes(op)) {
      throw invalid('invalid_filter', `${path}.op must be one of ${ATTRIBUTE_OPS.join(', ')}`, `${path}.op`);
    }
    const at = `${path}.value`;
    const value = v.value;
    const bad = (what: string) => invalid('invalid_filter', `${at} must be ${what} for op ${op}`, at);
    const attr = (t: AttributeTest): FilterNode => ({ kind: 'attribute', name, ...t });
    switch (op as AttributeOp) {
      case 'exists':
      case 'not_exists': {
        if ('value' in v) throw invalid('invalid_filter', `${at}: op ${op} takes no value`, at);
        const n = attr({ op: 'exists' });
        return op === 'exists' ? n : { kind: 'not', item: n };
      }
      case 'eq':
      case 'ne': {
        if (!this.scalar(value)) throw bad('a string, number or boolean');
        const n = attr({ op: 'eq', value });
        return op === 'eq' ? n : { kind: 'not', item: n };
      }
      case 'in': {
        if (!Array.isArray(value) || value.length === 0 || value.length > FILTER_LIMITS.maxInValues) throw bad(`an array of 1 to ${FILTER_LIMITS.maxInValues} strings or numbers`);
        value.forEach((x, i) => {
          if (typeof x === 'boolean' || !this.scalar(x)) throw invalid('invalid_filter', `${at}[${i}] must be a string or number`, `${at}[${i}]`);
        });
        return attr({ op: 'in', values: value as (string | number)[] });
      }
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('a number');
        return attr({ op: op as 'gt', value });
      case 'before':
      case 'after': {
        const ms = typeof value === 'string' ? isoToMs(value) : NaN;
        if (!Number.isFinite(ms)) throw bad('an ISO 8601 date (2026-03-01) or date-time (2026-03-01T09:30:00Z)');
        return attr({ op: op as 'before', at: ms });
      }
      case 'within_last_days':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > FILTER_LIMITS.maxDays) throw bad(`a whole number of days, 1 to ${FILTER_LIMITS.maxDays}`);
        return attr({ op: 'within_last_days', days: value });
    }
  }

  scalar(v: unknown): v is Scalar {
    if (typeof v === 'string') return v.length <= FILTER_LIMITS.maxString;
    return typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
  }

  channel(v: Json, path: string): Channel | null {
    if (!('channel' in v)) return null;
    if (!CHANNELS.includes(v.channel as Channel)) throw invalid('invalid_filter', `${path}.channel must be one of ${CHANNELS.join(', ')}`, `${path}.channel`);
    return v.channel as Channel;
  }

  consent(v: Json, path: string): FilterNode {
    this.only(v, ['consent', 'channel'], path);
    if (!(CONSENT_STATES as readonly unknown[]).includes(v.consent)) throw invalid('invalid_filter', `${path}.consent must be one of ${CONSENT_STATES.join(', ')}`, `${path}.consent`);
    return { kind: 'consent', state: v.consent as ConsentState, channel: this.channel(v, path) };
  }

  event(v: Json, path: string): FilterNode {
    this.only(v, ['event', 'campaign_id', 'within_days'], path);
    const spelled = typeof v.event === 'string' ? v.event : '';
    const negated = spelled.startsWith('not_');
    const event = (negated ? spelled.slice(4) : spelled) as EventKind;
    if (!EVENT_KINDS.includes(event)) {
      throw invalid('invalid_filter', `${path}.event must be one of ${EVENT_KINDS.flatMap((e) => [e, `not_${e}`]).join(', ')}`, `${path}.event`);
    }
    let campaignId: string | null = null;
    if ('campaign_id' in v) {
      if (typeof v.campaign_id !== 'string' || !CAMPAIGN_ID.test(v.campaign_id)) throw invalid('invalid_filter', `${path}.campaign_id must be a campaign id (cmp_…)`, `${path}.campaign_id`);
      campaignId = v.campaign_id;
    }
    let withinDays: number | null = null;
    if ('within_days' in v) {
      const d = v.within_days;
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > FILTER_LIMITS.maxDays) {
        throw invalid('invalid_filter', `${path}.within_days must be a whole number of days, 1 to ${FILTER_LIMITS.maxDays}`, `${path}.within_days`);
      }
      withinDays = d;
    }
    const n: FilterNode = { kind: 'event', event, campaignId, withinDays };
    return negated ? { kind: 'not', item: n } : n;
  }
}

/** The filter as a tree, or a 400 naming the first bad field (`audience.filter.all[2].op`). */
export function parseFilter(input: unknown, path = 'filter'): FilterNode {
  return new Parser().node(input, path, 1);
}

/** The campaigns a filter refers to, so the caller can check they exist. */
export function referencedCampaigns(node: FilterNode): string[] {
  const out = new Set<string>();
  const walk = (n: FilterNode): void => {
    if (n.kind === 'all' || n.kind === 'any') n.items.forEach(walk);
    else if (n.kind === 'not') walk(n.item);
    else if (n.kind === 'event' && n.campaignId) out.add(n.campaignId);
  };
  walk(node);
  return [...out];
}
