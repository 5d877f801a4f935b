// Where an authenticated request's extra cost goes: the steps the people route adds to
// /health/live, called in-process and timed by the CPU they use on this thread.

import { digestOf } from '../src/domain/auth/auth-service.ts'
import type { ApplicationId } from '../src/domain/ids.ts'
import type { RunningServer } from '../src/main.ts'

/** The step that is the token check proper. */
export const TOKEN_CHECK_STEP = 'token check (cached)'

export interface Step {
  readonly name: string
  /** What the step is, in one line. */
  readonly note: string
  readonly cpuUsPerCall: number
}

/** CPU µs per call of `call`, run back to back for about `seconds` after a short warm-up. */
async function perCall(call: () => unknown, seconds: number): Promise<number> {
  for (let i = 0; i < 500; i++) await call()
  const before = process.threadCpuUsage()
  const end = performance.now() + seconds * 1000
  let calls = 0
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) await call()
    calls += 100
  }
  const used = process.threadCpuUsage(before)
  return (used.user + used.system) / calls
}

export async function measureSteps(
  server: RunningServer,
  input: { token: string; pool: string; appId: ApplicationId },
  seconds: number,
): Promise<Step[]> {
  const { auth, applications, store } = server
  const session = await auth.authenticate(input.token, input.pool)
  const steps: [string, string, () => unknown][] = [
    [
      TOKEN_CHECK_STEP,
      'AuthService.authenticate, the per-request path',
      () => auth.authenticate(input.token, input.pool),
    ],
    [
      'token digest (SHA-256)',
      'digestOf (crypto.hash), part of the cached token check',
      () => digestOf(input.token),
    ],
    [
      'token check (cache miss)',
      'tokens.find + users.findById, once per token per tokenCacheSeconds',
      async () => {
        await store.tokens.find(session.tokenDigest)
        await store.users.findById(session.user.id)
      },
    ],
    [
      'application lookup',
      'ApplicationService.use (per-node cache, SQLite every 5 s), every request under /applications/{id}',
      () => applications.use(session, input.appId),
    ],
  ]
  const result: Step[] = []
  for (const [name, note, call] of steps)
    result.push({ name, note, cpuUsPerCall: await perCall(call, seconds) })
  return result
}
