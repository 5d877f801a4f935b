// Worker thread: generates the load LoadGenerator asks for and answers with a summary.
import { parentPort } from 'node:worker_threads'
import autocannon from 'autocannon'
import { createApplication, signIn } from '../test/helpers/server.ts'
import type { HttpSummary, HttpTask, LoadTask, SignInTask, WorkerReply } from './load-generator.ts'
import { measureRate, type RateSummary } from './stats.ts'

const port = parentPort
if (!port) throw new Error('load-worker.ts must run as a worker thread')

port.on('message', async ({ id, task }: { id: number; task: LoadTask }) => {
  let reply: WorkerReply
  try {
    const result = task.kind === 'http' ? await runHttp(task) : await runSignIns(task)
    reply = { id, ok: true, result }
  } catch (error) {
    reply = { id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  }
  port.postMessage(reply)
})

async function runHttp(task: HttpTask): Promise<HttpSummary> {
  const headers: Record<string, string> = {}
  if (task.host) headers.host = task.host
  if (task.token) headers.authorization = `Bearer ${task.token}`
  const result = await autocannon({
    url: task.url,
    connections: task.connections,
    duration: task.durationSeconds,
    headers,
  })
  // A route that answers 401 or 404 would look very fast: only clean runs count.
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(
      `${task.url}: ${result.non2xx} non-2xx responses, ${result.errors} errors, ${result.timeouts} timeouts`,
    )
  }
  return {
    requestsPerSecond: result.requests.total / result.duration,
    requests: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  }
}

function runSignIns(task: SignInTask): Promise<RateSummary> {
  return measureRate(
    async (loop, iteration) => {
      const user = task.users[(loop + iteration) % task.users.length]
      if (!user) throw new Error('no users to sign in')
      const token = await signIn(task.base, task.host, user.username, user.password)
      const res = await createApplication(task.base, task.host, token, {
        UserAgent: 'parley-bench/1.0',
        EndpointId: `bench-${loop}-${iteration}`,
        Culture: 'en-US',
      })
      if (res.status !== 201) throw new Error(`create application: ${res.status} ${res.text}`)
    },
    task.concurrency,
    task.durationSeconds,
  )
}
