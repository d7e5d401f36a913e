// The session through which hub processes sharing one PostgreSQL database coordinate: one
// dedicated connection per process that holds its leases (session advisory locks) and listens
// for the others' news (LISTEN/NOTIFY). A lock is released by the server as soon as the
// connection that holds it is gone, so whatever a process holds dies with it: a `kill -9` closes
// its socket and another process takes over within its next look. The process, not this module,
// decides what to do when the session is lost (it must stop: its leases are free for others).
import { EventEmitter } from 'node:events';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

/**
 * The lock spaces (the first key of the two-key advisory lock), one per kind of lease. Arbitrary
 * constants of this project; the second key is `hashtext` of a name. Two names hashing alike
 * only share a lease (one holder for both), which never lets two processes hold the same one.
 */
export const LockSpace = {
  /** A live hub process: held for its whole life, counted to spread the work. */
  worker: 72_700_001,
  /** An integration's sender: only the holder claims and sends that integration's messages. */
  sender: 72_700_002,
  /** A job one process at a time runs for everyone: the scheduler, retention, imports. */
  role: 72_700_003,
  /** The fan-out of a campaign being launched. */
  launch: 72_700_004,
} as const;
export type LockSpace = (typeof LockSpace)[keyof typeof LockSpace];

/** Advisory locks are server-wide: only those taken in this database are this store's. */
const thisDatabase = sql`l.database = (select oid from pg_database where datname = current_database())`;

/**
 * The operating-system pid of the hub process holding each sender lease, by integration (its
 * lock key): read from the sessions' application names (`switchboard <worker> pid <pid>`). For
 * operators and tests.
 */
export async function senderHolders(db: Kysely<Database>): Promise<{ key: number; pid: number }[]> {
  const r = await sql<{ key: number; app: string }>`
    select l.objid::bigint as key, a.application_name as app from pg_locks l join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and l.granted and l.objsubid = 2 and l.classid = ${LockSpace.sender}::int::oid and ${thisDatabase}`.execute(db);
  return r.rows.map((row) => ({ key: Number(row.key), pid: Number(/ pid (\d+)$/.exec(row.app)?.[1] ?? 0) }));
}

/** The operating-system pids of the live hub processes on the store (see senderHolders). For operators and tests. */
export async function liveWorkerPids(db: Kysely<Database>): Promise<number[]> {
  const r = await sql<{ app: string }>`
    select a.application_name as app from pg_locks l join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and l.granted and l.objsubid = 2 and l.classid = ${LockSpace.worker}::int::oid and ${thisDatabase}`.execute(db);
  return r.rows.map((row) => Number(/ pid (\d+)$/.exec(row.app)?.[1] ?? 0)).sort((a, b) => a - b);
}

/**
 * The operating-system pid of the hub process holding each job run for all (scheduler,
 * retention, imports), by job: none while nobody holds it. For operators and tests.
 */
export async function roleHolders(db: Kysely<Database>): Promise<{ role: string; pid: number }[]> {
  return holdersOf(db, LockSpace.role, ['scheduler', 'retention', 'imports']).then((rows) => rows.map((r) => ({ role: r.name, pid: r.pid })));
}

/**
 * The operating-system pid of the hub process running a campaign's fan-out (its launch lease),
 * or null when no process holds it (not launching, or its holder died and nobody resumed it yet).
 */
export async function launchHolder(db: Kysely<Database>, campaignId: string): Promise<number | null> {
  return (await holdersOf(db, LockSpace.launch, [campaignId]))[0]?.pid ?? null;
}

/**
 * Ends the coordination session of the hub process with this operating-system pid, as a cut
 * network or a restart of the server would: the process exits (code 70) and its leases go to the
 * others. Returns how many sessions were ended (one per live process). For operators and tests.
 */
export async function endCoordinationSession(db: Kysely<Database>, pid: number): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
     where datname = current_database() and application_name like ${`switchboard % pid ${pid}`}`.execute(db);
  return r.rows[0]!.n;
}

/** Who holds each named lease of a space: the second lock key is `hashtext(name)`, an oid in pg_locks. */
async function holdersOf(db: Kysely<Database>, space: LockSpace, names: string[]): Promise<{ name: string; pid: number }[]> {
  const r = await sql<{ name: string; app: string }>`
    select n.name, a.application_name as app
      from unnest(${names}::text[]) as n(name)
      join pg_locks l on l.locktype = 'advisory' and l.granted and l.objsubid = 2
       and l.classid = ${space}::int::oid and l.objid = hashtext(n.name)::oid
       and ${thisDatabase}
      join pg_stat_activity a on a.pid = l.pid`.execute(db);
  return r.rows.map((row) => ({ name: row.name, pid: Number(/ pid (\d+)$/.exec(row.app)?.[1] ?? 0) }));
}

/** The channel every hub process listens on. */
export const CHANNEL = 'switchboard';

export interface CoordinatorOptions {
  /** How often the session is checked while idle (ms); default 1000. */
  pingMs?: number;
  /** A statement on the session taking longer than this means it is lost (ms); default 5000. */
  statementTimeoutMs?: number;
}

export class Coordinator extends EventEmitter<{ message: [payload: string]; lost: [err: Error] }> {
  #lost = false;
  #closing = false;
  #ping: NodeJS.Timeout | null = null;
  /** The statement last queued: statements run one after another on the one connection. */
  #last: Promise<unknown> = Promise.resolve();
  /** Times each lock is held on this session (PostgreSQL counts re-entries the same way). */
  readonly #held = new Map<string, number>();

  private constructor(
    private readonly client: pg.Client,
    /** This process's name among the others (its worker lock). */
    readonly workerId: string,
  ) {
    super();
  }

  /** Opens the session, takes the worker's own lock and starts listening. */
  static async connect(url: string, workerId: string, options: CoordinatorOptions = {}): Promise<Coordinator> {
    const client = new pg.Client({ connectionString: url, keepAlive: true, query_timeout: options.statementTimeoutMs ?? 5000, application_name: `switchboard ${workerId} pid ${process.pid}` });
    const c = new Coordinator(client, workerId);
    client.on('error', (err) => c.#fail(err));
    client.on('end', () => c.#fail(new Error('the coordination connection closed')));
    client.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload !== undefined) c.emit('message', n.payload);
    });
    await client.connect();
    // Over TCP, a peer that vanished (a cut network) is noticed in seconds, not hours: the server
    // must free this session's leases only once this process has given them up (see the ping).
    await client.query(`select set_config('tcp_keepalives_idle', '5', false), set_config('tcp_keepalives_interval', '2', false), set_config('tcp_keepalives_count', '3', false)`);
    if (!(await c.tryLock(LockSpace.worker, workerId))) {
      await client.end();
      throw new Error(`worker id ${workerId} is taken by another live process`);
    }
    await client.query(`listen ${CHANNEL}`);
    const pingMs = options.pingMs ?? 1000;
    c.#ping = setInterval(() => {
      c.#query('select 1').catch((err: unknown) => c.#fail(err instanceof Error ? err : new Error(String(err))));
    }, pingMs);
    c.#ping.unref();
    return c;
  }

  /** Runs a statement on the session once the ones queued before it are done. */
  #query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    const run = this.#last.then(
      () => this.client.query<R>(text, values),
      () => this.client.query<R>(text, values),
    );
    this.#last = run.catch(() => undefined);
    return run;
  }

  /** Whether the session is gone (its leases with it). */
  get lost(): boolean {
    return this.#lost;
  }

  #fail(err: Error): void {
    if (this.#lost || this.#closing) return;
    this.#lost = true;
    if (this.#ping) clearInterval(this.#ping);
    this.emit('lost', err);
  }

  #count(space: LockSpace, name: string, by: 1 | -1): void {
    const key = `${space}:${name}`;
    const n = (this.#held.get(key) ?? 0) + by;
    if (n > 0) this.#held.set(key, n);
    else this.#held.delete(key);
  }

  /** Whether this session holds the lease. */
  holds(space: LockSpace, name: string): boolean {
    return this.#held.has(`${space}:${name}`);
  }

  /** Takes the lease if nobody else holds it; true when this session holds it now. Idempotent. */
  async tryLock(space: LockSpace, name: string): Promise<boolean> {
    if (this.holds(space, name)) return true;
    const r = await this.#query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [space, name]);
    const ok = r.rows[0]!.ok;
    // Taken meanwhile by a call that started before this one ended: the server counted it twice,
    // and one unlock must free it (see unlock).
    if (ok && this.holds(space, name)) await this.#query('select pg_advisory_unlock($1, hashtext($2))', [space, name]);
    else if (ok) this.#count(space, name, 1);
    return ok;
  }

  /** Gives the lease up (if held). */
  async unlock(space: LockSpace, name: string): Promise<void> {
    if (!this.holds(space, name)) return;
    this.#count(space, name, -1);
    await this.#query('select pg_advisory_unlock($1, hashtext($2))', [space, name]);
  }

  /**
   * The hub processes alive on this database: each holds its worker lock. Read from the server's
   * lock table, which shows every session's advisory locks whatever the role.
   */
  async liveWorkers(): Promise<number> {
    const r = await this.#query<{ n: number }>(
      `select count(*)::int as n from pg_locks
        where locktype = 'advisory' and granted and objsubid = 2 and classid = $1::int::oid
          and database = (select oid from pg_database where datname = current_database())`,
      [LockSpace.worker],
    );
    return r.rows[0]!.n;
  }

  /** Sends news to every hub process listening on the database, this one included. */
  async publish(payload: string): Promise<void> {
    await this.#query('select pg_notify($1, $2)', [CHANNEL, payload]);
  }

  /** Ends the session: every lease it held is released. */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#ping) clearInterval(this.#ping);
    this.#held.clear();
    if (!this.#lost) await this.client.end().catch(() => undefined);
  }
}
