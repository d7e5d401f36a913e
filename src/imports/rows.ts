// Pure parsing of import rows (docs/customer-data.md): the CSV header into column specs, a CSV
// record or an NDJSON line into a customer upsert, or the error naming the field at fault.
import { DomainError } from '../core/errors.js';
import { parsePhone } from '../core/phone.js';
import { assertJsonDepth, assertStorableStrings } from '../api/json-guard.js';

export const MAX_CUSTOMER_ID_LENGTH = 256;

export type AttributeType = 'string' | 'number' | 'boolean' | 'json';
const TYPES: readonly AttributeType[] = ['string', 'number', 'boolean', 'json'];

export type ColumnSpec = { kind: 'customer_id' } | { kind: 'phone' } | { kind: 'attribute'; name: string; type: AttributeType };

export interface RowError {
  code: string;
  message: string;
  /** The column or key at fault; absent when the row as a whole is. */
  field?: string;
}

export interface ImportRow {
  customer_id: string;
  /** Undefined: leave as it is; null: clear it. */
  phone?: { e164: string; country: string | null } | null;
  /** Merged into the profile's attributes; a null value removes the key. */
  attributes: Record<string, unknown>;
}

export type RowResult = { ok: true; row: ImportRow } | { ok: false; error: RowError };
export type HeaderResult = { ok: true; columns: ColumnSpec[] } | { ok: false; error: RowError };

const fail = (code: string, message: string, field?: string): { ok: false; error: RowError } => ({ ok: false, error: { code, message, ...(field !== undefined && { field }) } });

/** `name` or `name:type`; customer_id and phone take no type. */
export function parseCsvHeader(names: readonly string[]): HeaderResult {
  const columns: ColumnSpec[] = [];
  const seen = new Set<string>();
  for (const raw of names) {
    const header = raw.trim();
    const colon = header.lastIndexOf(':');
    const suffix = colon > 0 ? header.slice(colon + 1) : undefined;
    const typed = suffix !== undefined && (TYPES as readonly string[]).includes(suffix);
    if (suffix !== undefined && !typed && /^[a-z]+$/.test(suffix)) {
      return fail('invalid_header', `column "${header}" has an unknown type "${suffix}": use ${TYPES.join(', ')}`, header);
    }
    const name = typed ? header.slice(0, colon) : header;
    if (name === '') return fail('invalid_header', 'a column has no name', header);
    if (seen.has(name)) return fail('invalid_header', `column "${name}" appears twice`, header);
    seen.add(name);
    if (name === 'customer_id' || name === 'phone') {
      if (typed) return fail('invalid_header', `column ${name} takes no type`, header);
      columns.push({ kind: name });
    } else {
      columns.push({ kind: 'attribute', name, type: typed ? (suffix as AttributeType) : 'string' });
    }
  }
  if (!seen.has('customer_id')) return fail('missing_column', 'the header has no customer_id column', 'customer_id');
  return { ok: true, columns };
}

function typedValue(text: string, type: AttributeType, field: string): { ok: true; value: unknown } | { ok: false; error: RowError } {
  switch (type) {
    case 'string':
      return { ok: true, value: text };
    case 'number': {
      const n = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(n)) return fail('invalid_number', `${field} must be a number`, field);
      return { ok: true, value: n };
    }
    case 'boolean': {
      const v = text.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(v)) return { ok: true, value: true };
      if (['false', '0', 'no'].includes(v)) return { ok: true, value: false };
      return fail('invalid_boolean', `${field} must be true or false`, field);
    }
    case 'json':
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch {
        return fail('invalid_json', `${field} must be JSON`, field);
      }
  }
}

function phoneValue(text: string, field = 'phone'): { ok: true; value: ImportRow['phone'] } | { ok: false; error: RowError } {
  const parsed = parsePhone(text);
  if (!parsed.ok) return fail('invalid_phone', `${field} is not a valid phone number: ${parsed.reason}`, field);
  return { ok: true, value: { e164: parsed.e164, country: parsed.country } };
}

function customerIdError(id: unknown): RowError | undefined {
  if (id === undefined || id === null || id === '') return { code: 'missing_field', message: 'customer_id is required', field: 'customer_id' };
  if (typeof id !== 'string') return { code: 'invalid_type', message: 'customer_id must be a string', field: 'customer_id' };
  if (id.length > MAX_CUSTOMER_ID_LENGTH) return { code: 'too_long', message: `customer_id is longer than ${MAX_CUSTOMER_ID_LENGTH} characters`, field: 'customer_id' };
  return undefined;
}

/** Values that cannot be stored (NUL, a lone surrogate), named by field. */
function storableError(value: unknown): RowError | undefined {
  try {
    assertStorableStrings(value);
    return undefined;
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, message: err.message, ...(err.field !== undefined && { field: err.field }) };
    throw err;
  }
}

/**
 * One CSV record. An empty cell leaves the field as it is (a sparse file never wipes data); the
 * phone column's `null` would be ambiguous in CSV, so clearing a phone takes PATCH or NDJSON.
 */
export function parseCsvRecord(columns: readonly ColumnSpec[], values: readonly string[]): RowResult {
  if (values.length !== columns.length) return fail('column_count', `the row has ${values.length} columns, the header ${columns.length}`);
  const stored = storableError(values);
  if (stored) {
    const index = /^\[(\d+)\]$/.exec(stored.field ?? '')?.[1];
    const col = index === undefined ? undefined : columns[Number(index)];
    return { ok: false, error: { ...stored, field: col === undefined ? undefined : col.kind === 'attribute' ? col.name : col.kind, message: 'the value contains a NUL character or an unpaired UTF-16 surrogate' } };
  }
  const row: ImportRow = { customer_id: '', attributes: {} };
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!;
    const text = values[i]!;
    if (col.kind === 'customer_id') {
      row.customer_id = text.trim();
    } else if (text === '') {
      continue;
    } else if (col.kind === 'phone') {
      const p = phoneValue(text);
      if (!p.ok) return p;
      row.phone = p.value;
    } else {
      const v = typedValue(text, col.type, col.name);
      if (!v.ok) return v;
      row.attributes[col.name] = v.value;
    }
  }
  const idError = customerIdError(row.customer_id);
  if (idError) return { ok: false, error: idError };
  return { ok: true, row };
}

const NDJSON_KEYS = new Set(['customer_id', 'phone', 'attributes']);

/** One NDJSON line: {"customer_id": …, "phone"?: string|null, "attributes"?: {…}}. */
export function parseNdjsonLine(line: string): RowResult {
  let value: unknown;
  try {
    assertJsonDepth(line);
    value = JSON.parse(line);
  } catch (err) {
    if (err instanceof DomainError) return fail(err.code, 'the line nests objects and arrays too deep');
    return fail('invalid_json', 'the line is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('invalid_row', 'the line must be a JSON object');
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) if (!NDJSON_KEYS.has(key)) return fail('unknown_field', `${key} is not a known field`, key);
  const idError = customerIdError(obj.customer_id);
  if (idError) return { ok: false, error: idError };
  const stored = storableError(obj);
  if (stored) return { ok: false, error: stored };
  const row: ImportRow = { customer_id: obj.customer_id as string, attributes: {} };
  if (obj.phone === null) row.phone = null;
  else if (obj.phone !== undefined) {
    if (typeof obj.phone !== 'string') return fail('invalid_type', 'phone must be a string or null', 'phone');
    const p = phoneValue(obj.phone);
    if (!p.ok) return p;
    row.phone = p.value;
  }
  if (obj.attributes !== undefined) {
    if (obj.attributes === null || typeof obj.attributes !== 'object' || Array.isArray(obj.attributes)) return fail('invalid_type', 'attributes must be an object', 'attributes');
    row.attributes = obj.attributes as Record<string, unknown>;
  }
  return { ok: true, row };
}
