// Samples and summaries shared by the benchmark modules.

/** One measured slice: how many operations completed in how long, and each one's latency. */
export interface Sample {
  readonly count: number
  readonly seconds: number
  readonly latenciesMs: readonly number[]
  /** CPU time of the main thread (the servers under test) during the slice. */
  readonly serverCpuMs?: number
  /** CPU time of the load generator's thread during the slice. */
  readonly clientCpuMs?: number
  /** CPU time of the whole process (every thread, the libuv pool included) during the slice. */
  readonly processCpuMs?: number
}

type CpuKey = 'serverCpuMs' | 'clientCpuMs' | 'processCpuMs'

export interface Summary {
  /** Operations (requests, sign-ins, hashes) per second over all slices. */
  readonly perSecond: number
  readonly count: number
  readonly seconds: number
  readonly latencyP50Ms: number
  readonly latencyP99Ms: number
  /** CPU per operation in µs, where the samples measured it: server (main) thread, load
   * generator thread, whole process. */
  readonly serverCpuUsPerOp?: number
  readonly clientCpuUsPerOp?: number
  readonly processCpuUsPerOp?: number
}

/** The p-th percentile (0–100) of unsorted samples; 0 for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0
  const sorted = Float64Array.from(samples).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] ?? 0
}

export function summarize(samples: readonly Sample[]): Summary {
  const count = samples.reduce((n, s) => n + s.count, 0)
  const seconds = samples.reduce((n, s) => n + s.seconds, 0)
  const latencies = samples.flatMap((s) => s.latenciesMs)
  const perOp = (key: CpuKey) => {
    if (count === 0 || !samples.every((s) => s[key] !== undefined)) return undefined
    return (samples.reduce((n, s) => n + (s[key] ?? 0), 0) * 1000) / count
  }
  const cpu = {
    serverCpuUsPerOp: perOp('serverCpuMs'),
    clientCpuUsPerOp: perOp('clientCpuMs'),
    processCpuUsPerOp: perOp('processCpuMs'),
  }
  return {
    perSecond: seconds > 0 ? count / seconds : 0,
    count,
    seconds,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    ...Object.fromEntries(Object.entries(cpu).filter(([, v]) => v !== undefined)),
  }
}

/**
 * Runs `operation` in `concurrency` loops, starting new ones until `seconds` have passed; the
 * time counted runs until the last one finishes, so every completion counted lies inside it.
 */
export async function sampleRate(
  operation: (loop: number, iteration: number) => Promise<void>,
  concurrency: number,
  seconds: number,
): Promise<Sample> {
  const latenciesMs: number[] = []
  const started = performance.now()
  const deadline = started + seconds * 1000
  const loop = async (n: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const t0 = performance.now()
      await operation(n, i)
      latenciesMs.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, n) => loop(n)))
  return { count: latenciesMs.length, seconds: (performance.now() - started) / 1000, latenciesMs }
}

/** CPU time of the calling thread in ms since `since` (or since it started). */
export function threadCpuMs(since?: NodeJS.CpuUsage): number {
  const used = process.threadCpuUsage(since)
  return (used.user + used.system) / 1000
}

/** CPU time of the whole process in ms since `since`. */
export function processCpuMs(since?: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}
