/**
 * Delay before retry number `attempts` (1 = after the first failure): exponential from `baseMs`,
 * capped at `maxMs`, with jitter in [50 %, 100 %] so failing receivers are not hit in lockstep.
 */
export function backoffMs(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempts - 1, 30));
  return Math.max(1, Math.round(exp * (0.5 + random() * 0.5)));
}
