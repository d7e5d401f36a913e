// @ts-check
// The checkpointer thread (see wal.ts): copies committed WAL frames back into the database file
// on its own SQLite connection, so no thread that serves requests stalls on a checkpoint. Plain
// CommonJS because a worker thread gets no TypeScript loader; it is type-checked all the same.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');

/** @type {{ sqliteModule: string; path: string; control: SharedArrayBuffer; slots: Record<'stop' | 'wake' | 'log' | 'checkpointed' | 'count' | 'alive', number>; idleMs: number; busyMs: number }} */
const { sqliteModule, path, control, slots, idleMs, busyMs } = workerData;
/** @type {typeof import('better-sqlite3')} */
const Database = require(sqliteModule);

// Shared Int32 slots, where CheckpointState (wal.ts) reads and writes them.
const { stop: STOP, wake: WAKE, log: LOG, checkpointed: CHECKPOINTED, count: COUNT, alive: ALIVE } = slots;
const words = new Int32Array(control);

const db = new Database(path, { fileMustExist: true });
// A passive checkpoint never waits for locks; it copies what no reader still needs.
db.pragma('busy_timeout = 0');
const checkpoint = db.prepare('pragma wal_checkpoint(passive)');

let lastCheckpointed = -1;
try {
  Atomics.store(words, ALIVE, 1);
  parentPort?.postMessage('ready');
  while (Atomics.load(words, STOP) === 0) {
    const wake = Atomics.load(words, WAKE);
    const row = /** @type {{ busy: number; log: number; checkpointed: number }} */ (checkpoint.get());
    Atomics.store(words, LOG, row.log);
    Atomics.store(words, CHECKPOINTED, row.checkpointed);
    Atomics.add(words, COUNT, 1);
    Atomics.notify(words, COUNT);
    // Behind, or just made progress: look again soon. Caught up: rest until woken or the idle poll.
    const moving = row.checkpointed < row.log || row.checkpointed !== lastCheckpointed;
    lastCheckpointed = row.checkpointed;
    Atomics.wait(words, WAKE, wake, moving ? busyMs : idleMs);
  }
} finally {
  Atomics.store(words, ALIVE, 0);
  db.close();
}
