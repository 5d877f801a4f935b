// Child processes for the event-channel scenarios: the servers under test and the load generator
// each run in their own process, so each has its own file-descriptor budget (20,000 sockets
// need 20,000 fds on each side) and its own memory, measured in isolation.
import { type ChildProcess, fork } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'

interface Request {
  readonly id: number
  readonly cmd: string
  readonly args: unknown
}

type Reply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string }

/** What a child sends once it is ready to take commands. */
interface Ready {
  readonly ready: unknown
}

/** Command handlers; each takes the arguments the parent passed (structured-cloned). */
export type Handlers = Record<string, (args: never) => unknown>

/**
 * In the child: answers the parent's commands with `handlers`. `stop` runs `cleanUp` and exits;
 * a parent that goes away (IPC disconnected) ends the child the same way.
 */
export function serveParent(handlers: Handlers, ready: unknown, cleanUp: () => Promise<void>): void {
  const send = process.send?.bind(process)
  if (!send) throw new Error('this script runs as a child process of bench/run.ts')
  let stopping = false
  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    await cleanUp().catch(() => undefined)
    process.exit(code)
  }
  process.on('message', async ({ id, cmd, args }: Request) => {
    if (cmd === 'stop') {
      send({ id, ok: true, result: null } satisfies Reply, () => void stop(0))
      return
    }
    const handler = handlers[cmd]
    let reply: Reply
    try {
      if (!handler) throw new Error(`unknown command ${cmd}`)
      reply = { id, ok: true, result: await handler(args as never) }
    } catch (error) {
      reply = {
        id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }
    }
    send(reply)
  })
  process.on('disconnect', () => void stop(1))
  // Ctrl-C reaches the whole process group: the parent stops its children itself (or they see
  // it go away), so a child never dies halfway through its clean-up.
  process.on('SIGINT', () => undefined)
  process.on('SIGTERM', () => void stop(143))
  send({ ready } satisfies Ready)
}

export interface Child<R> {
  /** What the child reported when it became ready (a URL, for servers). */
  readonly ready: R
  readonly pid: number
  call<T = unknown>(cmd: string, args?: unknown): Promise<T>
  /** Asks the child to clean up and exit; kills it (this pid only) if it does not within 10 s. */
  stop(): Promise<void>
}

/** Waits until a server child (bench/event-server.ts) holds `count` P-GETs parked. */
export async function waitParked(server: Child<unknown>, count: number, seconds = 30): Promise<void> {
  const deadline = performance.now() + seconds * 1000
  let parked = await server.call<number>('parked')
  while (parked !== count && performance.now() < deadline) {
    await sleep(20)
    parked = await server.call<number>('parked')
  }
  if (parked !== count) throw new Error(`server holds ${parked} P-GETs, expected ${count}`)
}

/** Starts `script` as a child process (same Node, `execArgv` added) and waits until it is ready. */
export function startChild<R>(script: URL, args: readonly string[], execArgv: readonly string[] = []) {
  const child: ChildProcess = fork(script, [...args], {
    execArgv: [...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  })
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let next = 0
  let exited = false
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true
      const error = new Error(`child ${script.pathname} exited (${signal ?? code})`)
      for (const waiter of pending.values()) waiter.reject(error)
      pending.clear()
      resolve()
    })
  })
  return new Promise<Child<R>>((resolve, reject) => {
    child.once('error', reject)
    void exit.then(() => reject(new Error(`child ${script.pathname} exited before it was ready`)))
    child.on('message', (message: Reply | Ready) => {
      if ('ready' in message) {
        resolve(handle(message.ready as R))
        return
      }
      const waiter = pending.get(message.id)
      pending.delete(message.id)
      if (message.ok) waiter?.resolve(message.result)
      else waiter?.reject(new Error(message.error))
    })
  })

  function handle(ready: R): Child<R> {
    return {
      ready,
      pid: child.pid ?? -1,
      call<T>(cmd: string, args?: unknown): Promise<T> {
        if (exited) return Promise.reject(new Error(`child ${script.pathname} has exited`))
        const id = next++
        return new Promise<T>((res, rej) => {
          pending.set(id, { resolve: res as (v: unknown) => void, reject: rej })
          child.send({ id, cmd, args } satisfies Request)
        })
      },
      async stop() {
        if (exited) return
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        try {
          const id = next++
          child.send({ id, cmd: 'stop', args: null } satisfies Request)
        } catch {
          child.kill('SIGKILL')
        }
        await exit
        clearTimeout(timer)
      },
    }
  }
}
