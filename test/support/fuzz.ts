/**
 * Seeds of the standing fuzz suites. Every run draws a seed (or takes FUZZ_SEED) and prints it, so a failure
 * seen once can be replayed exactly: `FUZZ_SEED=<seed> npm test`. FUZZ_SCALE multiplies the number of cases
 * (default 1) for a longer hunt on a developer's machine.
 */
export function fuzzSeed(suite: string): number {
  const given = process.env.FUZZ_SEED?.trim();
  const seed = given ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${given}`);
  process.stdout.write(`[fuzz] ${suite}: seed ${seed} (repeat with FUZZ_SEED=${seed})\n`);
  return seed;
}

/** `cases` times FUZZ_SCALE (default 1). */
export function fuzzCases(cases: number): number {
  const scale = Number(process.env.FUZZ_SCALE ?? '1');
  if (!(scale > 0)) throw new Error(`FUZZ_SCALE must be a positive number, got ${process.env.FUZZ_SCALE}`);
  return Math.max(1, Math.round(cases * scale));
}
