import { PostgresAdapter, sql, type Kysely } from 'kysely';

// PostgreSQL only (SQLite has julianday): audience filters compare customer attributes that hold
// ISO 8601 dates. An attribute is whatever a customer's data said, so a text that is no date, or
// an impossible one (2026-02-30), must read as NULL, as julianday reads it, instead of failing the
// whole query as a plain ::timestamptz cast would. A date without an offset is UTC, as in SQLite.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`
    create or replace function switchboard_timestamptz(value text) returns timestamptz
    language plpgsql stable set timezone = 'UTC' as $$
    begin
      if value is null or value !~ '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?)?(Z|[+-]\\d{2}(:?\\d{2})?)?$' then
        return null;
      end if;
      return value::timestamptz;
    exception when others then
      return null;
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`drop function if exists switchboard_timestamptz(text)`.execute(db);
}
