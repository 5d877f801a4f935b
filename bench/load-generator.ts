// The load generator runs on its own worker thread, so the servers under test keep the main
// thread's event loop to themselves (on a 2-core machine: one core serves, one loads).
import { Worker } from 'node:worker_threads'
import type { Sample } from './stats.ts'

/** One autocannon run against one URL. */
export interface HttpTask {
  readonly kind: 'http'
  readonly url: string
  readonly host?: string
  readonly token?: string
  readonly connections: number
  readonly durationSeconds: number
}

/** Full sign-ins (token POST, then POST applications) in `concurrency` loops. */
export interface SignInTask {
  readonly kind: 'sign-ins'
  readonly base: string
  readonly host: string
  readonly users: readonly { readonly username: string; readonly password: string }[]
  readonly concurrency: number
  readonly durationSeconds: number
}

export type LoadTask = HttpTask | SignInTask

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: Sample }
  | { readonly id: number; readonly ok: false; readonly error: string }

export class LoadGenerator {
  readonly #worker = new Worker(new URL('./load-worker.ts', import.meta.url))
  readonly #pending = new Map<number, { resolve: (v: Sample) => void; reject: (e: Error) => void }>()
  #next = 0

  constructor() {
    this.#worker.on('message', (reply: WorkerReply) => {
      const waiter = this.#pending.get(reply.id)
      this.#pending.delete(reply.id)
      if (reply.ok) waiter?.resolve(reply.result)
      else waiter?.reject(new Error(reply.error))
    })
    this.#worker.on('error', (error: Error) => this.#failAll(error))
    this.#worker.on('exit', (code) => this.#failAll(new Error(`load worker exited (${code})`)))
  }

  http(task: Omit<HttpTask, 'kind'>): Promise<Sample> {
    return this.#run({ kind: 'http', ...task })
  }

  signIns(task: Omit<SignInTask, 'kind'>): Promise<Sample> {
    return this.#run({ kind: 'sign-ins', ...task })
  }

  async close(): Promise<void> {
    await this.#worker.terminate()
  }

  #run(task: LoadTask): Promise<Sample> {
    const id = this.#next++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#worker.postMessage({ id, task })
    })
  }

  #failAll(error: Error): void {
    for (const waiter of this.#pending.values()) waiter.reject(error)
    this.#pending.clear()
  }
}
