// Worker thread: generates the load LoadGenerator asks for and answers with a Sample.
import { parentPort } from 'node:worker_threads'
import autocannon from 'autocannon'
import { createApplication, signIn } from '../test/helpers/server.ts'
import type { HttpTask, LoadTask, SignInTask, WorkerReply } from './load-generator.ts'
import { type Sample, sampleRate, threadCpuMs } from './stats.ts'

const port = parentPort
if (!port) throw new Error('load-worker.ts must run as a worker thread')

port.on('message', async ({ id, task }: { id: number; task: LoadTask }) => {
  let reply: WorkerReply
  try {
    const before = process.threadCpuUsage()
    const sample = task.kind === 'http' ? await runHttp(task) : await runSignIns(task)
    reply = { id, ok: true, result: { ...sample, clientCpuMs: threadCpuMs(before) } }
  } catch (error) {
    reply = { id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  }
  port.postMessage(reply)
})

async function runHttp(task: HttpTask): Promise<Sample> {
  const headers: Record<string, string> = {}
  if (task.host) headers.host = task.host
  if (task.token) headers.authorization = `Bearer ${task.token}`
  // autocannon's own latency histogram counts whole milliseconds; local requests take less, so
  // the latencies come from each response's high-resolution time instead.
  const latenciesMs: number[] = []
  const options = {
    url: task.url,
    connections: task.connections,
    duration: task.durationSeconds,
    headers,
    setupClient: (client: autocannon.Client) => {
      client.on('response', (_status, _bytes, ms) => latenciesMs.push(ms))
    },
  }
  const raw = await autocannon(options)
  // Off the main thread autocannon leaves the histograms encoded for its own worker pool to merge.
  const result = 'latency' in raw ? raw : autocannon.aggregateResult([raw], options)
  // A route that answers 401 or 404 would look very fast: only clean runs count.
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(
      `${task.url}: ${result.non2xx} non-2xx responses, ${result.errors} errors, ${result.timeouts} timeouts`,
    )
  }
  return { count: result.requests.total, seconds: result.duration, latenciesMs }
}

let signInRuns = 0

function runSignIns(task: SignInTask): Promise<Sample> {
  const run = signInRuns++
  return sampleRate(
    async (loop, iteration) => {
      // Loops that run side by side sign different users in.
      const user = task.users[(iteration * task.concurrency + loop) % task.users.length]
      if (!user) throw new Error('no users to sign in')
      // Exactly one password verification (argon2id) per sign-in, then one new application.
      const token = await signIn(task.base, task.host, user.username, user.password)
      const res = await createApplication(task.base, task.host, token, {
        UserAgent: 'parley-bench/1.0',
        EndpointId: `bench-${run}-${loop}-${iteration}`,
        Culture: 'en-US',
      })
      if (res.status !== 201) throw new Error(`create application: ${res.status} ${res.text}`)
    },
    task.concurrency,
    task.durationSeconds,
  )
}
