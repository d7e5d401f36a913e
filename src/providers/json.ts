// Reading untrusted JSON (provider answers and callbacks) without trusting its shape: shared by
// every adapter so the checks mean the same everywhere.

export type JsonObject = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The parsed text, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A raw body that must be a JSON object; throws `<what> is not valid JSON: …` / `… not a JSON object`. */
export function parseJsonObject(rawBody: Buffer, what: string): JsonObject {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isRecord(json)) throw new Error(`${what} is not a JSON object`);
  return json;
}

/** A required string field (possibly empty); throws `<what> field "key" is missing or not a string`. */
export function str(obj: JsonObject, key: string, what: string): string {
  const v = obj[key];
  if (typeof v !== 'string') throw new Error(`${what} field "${key}" is missing or not a string`);
  return v;
}

/** A non-empty string field, else null. */
export function optStr(obj: JsonObject, key: string): string | null {
  const v = obj[key];
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A finite number field, else null. */
export function optNum(obj: JsonObject, key: string): number | null {
  const v = obj[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A string field (empty included) of a value that may not be an object, else ''. */
export function stringField(obj: unknown, key: string): string {
  const v = isRecord(obj) ? obj[key] : undefined;
  return typeof v === 'string' ? v : '';
}
