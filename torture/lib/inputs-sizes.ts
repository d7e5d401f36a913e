// Sizes of the input parts: the default for a full or smoke run, overridden by an environment
// variable (TORTURE_FUZZ_INPUTS, TORTURE_PERMUTATIONS, TORTURE_FORGED_ROUNDS).

export function sizeFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}
