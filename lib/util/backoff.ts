/**
 * Delay before retry number `attempt` (1-based): exponential from `baseMs`,
 * capped, with full jitter so that many lookups failing together do not
 * come back together.
 */
export function backoffDelay(attempt: number, baseMs = 100, capMs = 2000, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
