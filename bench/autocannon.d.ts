// The small part of autocannon's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  function autocannon(options: autocannon.Options): Promise<autocannon.Result | autocannon.RawResult>

  namespace autocannon {
    interface Options {
      url: string
      connections?: number
      /** Seconds. */
      duration?: number
      pipelining?: number
      method?: string
      headers?: Record<string, string>
      body?: string
      timeout?: number
      /** Called with each connection's client; its `response` event carries the latency in ms. */
      setupClient?: (client: Client) => void
    }

    interface Client {
      on(
        event: 'response',
        listener: (statusCode: number, bytes: number, responseTimeMs: number) => void,
      ): Client
    }

    interface Stats {
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

    interface Result {
      requests: Stats
      /** Whole milliseconds. */
      latency: Stats
      throughput: Stats
      errors: number
      timeouts: number
      non2xx: number
      /** Seconds. */
      duration: number
    }

    /** Inside a worker thread autocannon resolves with raw, encoded histograms instead. */
    interface RawResult {
      readonly latencies: unknown
    }

    /** Decodes raw results (from worker threads) into one result. */
    function aggregateResult(results: unknown[], options?: Options): Result
  }

  export = autocannon
}
