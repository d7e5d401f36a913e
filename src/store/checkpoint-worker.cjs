// @ts-check
// The checkpointer thread (see wal.ts): copies committed WAL frames back into the database file
// on its own SQLite connection, so the hub's thread never stalls on a checkpoint. Plain
// CommonJS because a worker thread gets no TypeScript loader; it is type-checked all the same.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');

/** @type {{ sqliteModule: string; path: string; control: SharedArrayBuffer; idleMs: number; busyMs: number }} */
const { sqliteModule, path, control, idleMs, busyMs } = workerData;
/** @type {typeof import('better-sqlite3')} */
const Database = require(sqliteModule);

// control[0]: 0 running, 1 stop. control[1]: a wake-up counter the hub bumps when it is in a hurry.
const flags = new Int32Array(control);
const db = new Database(path, { fileMustExist: true });
// A passive checkpoint never waits for locks; it copies what no reader still needs.
db.pragma('busy_timeout = 0');
const checkpoint = db.prepare('pragma wal_checkpoint(passive)');

let lastCheckpointed = -1;
try {
  parentPort?.postMessage({ kind: 'ready' });
  while (Atomics.load(flags, 0) === 0) {
    const wake = Atomics.load(flags, 1);
    const row = /** @type {{ busy: number; log: number; checkpointed: number }} */ (checkpoint.get());
    parentPort?.postMessage({ kind: 'checkpoint', log: row.log, checkpointed: row.checkpointed });
    // Behind, or just made progress: look again soon. Caught up: rest until woken or the idle poll.
    const moving = row.checkpointed < row.log || row.checkpointed !== lastCheckpointed;
    lastCheckpointed = row.checkpointed;
    Atomics.wait(flags, 1, wake, moving ? busyMs : idleMs);
  }
} finally {
  db.close();
}
