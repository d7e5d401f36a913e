// The few places where SQLite and PostgreSQL spell the same query differently, each written once.
import { sql, type RawBuilder } from 'kysely';
import { isPostgres, type DB } from './db.js';

/**
 * One top-level key of a JSON text column, as text (null when absent). The key is a constant of
 * the code, inlined (PostgreSQL matches a grouped expression to the selected one only when their
 * text is the same, bound parameters included).
 */
export function jsonField(db: DB, column: string, key: string): RawBuilder<string | number | null> {
  if (!/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`jsonField: unexpected key ${key}`);
  // SQLite: numbers come back as numbers; PostgreSQL's ->> gives text. Callers convert.
  if (isPostgres(db)) return sql`(${sql.ref(column)}::jsonb ->> ${sql.lit(key)})`;
  return sql`json_extract(${sql.ref(column)}, ${sql.lit(`$.${key}`)})`;
}
