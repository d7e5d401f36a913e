// Atomics.waitAsync, except that a pending wait keeps the event loop alive: Node's own doesn't,
// so a process waiting only for another thread would otherwise exit (or a test end) mid-wait.
export async function waitShared(words: Int32Array, index: number, value: number, timeoutMs?: number): Promise<void> {
  const wait = Atomics.waitAsync(words, index, value, timeoutMs);
  if (!wait.async) return;
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    await wait.value;
  } finally {
    clearInterval(keepAlive);
  }
}
