// The audience builder's model and its conversion to the API's audience (docs/audiences.md):
// a list of customer ids, or a filter of conditions joined by all/any.
export type Condition =
  | { kind: 'attribute'; attribute: string; op: string; value: string }
  | { kind: 'consent'; consent: string; channel: string }
  | { kind: 'event'; event: string; campaign_id: string; within_days: string };

export interface AudienceModel {
  mode: 'ids' | 'filter';
  ids: string;
  combine: 'all' | 'any';
  conditions: Condition[];
}

export const ATTRIBUTE_OPS = ['eq', 'ne', 'in', 'exists', 'not_exists', 'gt', 'gte', 'lt', 'lte', 'before', 'after', 'within_last_days'];
export const OP_LABEL: Record<string, string> = {
  eq: 'equals',
  ne: 'does not equal',
  in: 'is one of',
  exists: 'is set',
  not_exists: 'is not set',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  before: 'is before (date)',
  after: 'is after (date)',
  within_last_days: 'within the last N days',
};
export const CONSENT_STATES = ['not_opted_out', 'opted_in', 'opted_out'];
export const EVENT_KINDS = ['sent', 'received', 'clicked', 'not_sent', 'not_received', 'not_clicked'];

export const emptyAudience = (): AudienceModel => ({ mode: 'filter', ids: '', combine: 'all', conditions: [{ kind: 'attribute', attribute: '', op: 'eq', value: '' }] });

export const newCondition = (kind: Condition['kind']): Condition =>
  kind === 'attribute' ? { kind, attribute: '', op: 'eq', value: '' } : kind === 'consent' ? { kind, consent: 'not_opted_out', channel: '' } : { kind, event: 'received', campaign_id: '', within_days: '' };

export const opTakesValue = (op: string) => op !== 'exists' && op !== 'not_exists';

/** A typed value: "quoted" is text; a number or true/false is that; anything else is text. */
function scalar(raw: string): string | number | boolean {
  const s = raw.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return s.slice(1, -1);
  if (s === 'true' || s === 'false') return s === 'true';
  if (s !== '' && Number.isFinite(Number(s))) return Number(s);
  return s;
}

function attributeValue(op: string, raw: string): unknown {
  if (op === 'in') return raw.split(',').map(scalar).filter((v) => v !== '');
  if (['gt', 'gte', 'lt', 'lte', 'within_last_days'].includes(op)) return Number(raw.trim());
  if (op === 'before' || op === 'after') return raw.trim();
  return scalar(raw);
}

export function conditionJson(c: Condition): Record<string, unknown> {
  if (c.kind === 'attribute') return { attribute: c.attribute.trim(), op: c.op, ...(opTakesValue(c.op) && { value: attributeValue(c.op, c.value) }) };
  if (c.kind === 'consent') return { consent: c.consent, ...(c.channel && { channel: c.channel }) };
  return { event: c.event, ...(c.campaign_id.trim() && { campaign_id: c.campaign_id.trim() }), ...(c.within_days.trim() && { within_days: Number(c.within_days) }) };
}

export function filterJson(m: AudienceModel): Record<string, unknown> | null {
  if (!m.conditions.length) return null;
  const parts = m.conditions.map(conditionJson);
  return parts.length === 1 ? parts[0]! : { [m.combine]: parts };
}

export const parseIds = (s: string) => [...new Set(s.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean))];

export function audienceJson(m: AudienceModel): Record<string, unknown> {
  return m.mode === 'ids' ? { customer_ids: parseIds(m.ids) } : { filter: filterJson(m) ?? {} };
}

/** A stored value as the builder's text: text that would read as a number or true/false is quoted. */
function shown(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(shown).join(', ');
  if (typeof v === 'string') return /^(-?[\d.]+|true|false)$/.test(v) ? `"${v}"` : v;
  return JSON.stringify(v);
}

/** A stored filter back into conditions, when it is one condition or one all/any of them. */
export function modelFromFilter(filter: Record<string, unknown>): AudienceModel | null {
  const combine = 'any' in filter ? 'any' : 'all';
  const list = (Array.isArray(filter.all) ? filter.all : Array.isArray(filter.any) ? filter.any : [filter]) as Record<string, unknown>[];
  const conditions: Condition[] = [];
  for (const c of list) {
    if (typeof c.attribute === 'string') {
      const v = c.value;
      conditions.push({ kind: 'attribute', attribute: c.attribute, op: String(c.op), value: shown(v) });
    } else if (typeof c.consent === 'string') conditions.push({ kind: 'consent', consent: c.consent, channel: typeof c.channel === 'string' ? c.channel : '' });
    else if (typeof c.event === 'string') conditions.push({ kind: 'event', event: c.event, campaign_id: typeof c.campaign_id === 'string' ? c.campaign_id : '', within_days: typeof c.within_days === 'number' ? String(c.within_days) : '' });
    else return null;
  }
  return { mode: 'filter', ids: '', combine, conditions };
}
