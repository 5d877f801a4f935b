// The small part of autocannon's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface AutocannonOptions {
    url: string
    connections?: number
    /** Seconds. */
    duration?: number
    pipelining?: number
    method?: string
    headers?: Record<string, string>
    body?: string
    timeout?: number
  }

  interface AutocannonStats {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p99: number
  }

  interface AutocannonResult {
    requests: AutocannonStats
    /** Milliseconds. */
    latency: AutocannonStats
    throughput: AutocannonStats
    errors: number
    timeouts: number
    non2xx: number
    /** Seconds. */
    duration: number
  }

  function autocannon(options: AutocannonOptions): Promise<AutocannonResult>
  export = autocannon
}
