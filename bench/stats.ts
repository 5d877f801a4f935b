// Small statistics helpers shared by the benchmark modules.

/** The p-th percentile (0–100) of unsorted samples; 0 for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] ?? 0
}

export interface RateSummary {
  readonly perSecond: number
  readonly completed: number
  readonly elapsedSeconds: number
  readonly latencyP50Ms: number
  readonly latencyP99Ms: number
}

/**
 * Runs `operation` in `concurrency` loops, starting new ones until `durationSeconds` have passed,
 * and reports completions per second over the whole time (including the last ones to finish).
 */
export async function measureRate(
  operation: (loop: number, iteration: number) => Promise<void>,
  concurrency: number,
  durationSeconds: number,
): Promise<RateSummary> {
  const latencies: number[] = []
  const started = performance.now()
  const deadline = started + durationSeconds * 1000
  const loop = async (n: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const t0 = performance.now()
      await operation(n, i)
      latencies.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, n) => loop(n)))
  const elapsedSeconds = (performance.now() - started) / 1000
  return {
    perSecond: latencies.length / elapsedSeconds,
    completed: latencies.length,
    elapsedSeconds,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
  }
}
