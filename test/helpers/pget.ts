// P-GETs a test can count on: a hold no test outlives, and a wait until one is parked.
import type { ApplicationId } from '../../src/domain/ids.ts'
import { waitFor } from './nodes.ts'
import type { TestServer } from './server.ts'

/**
 * A P-GET `timeout` (seconds) no test outlives: longer than a test may run (test/run.ts gives each
 * 120 s) and equal to the default events.maxTimeoutSeconds. A P-GET held this long ends within
 * the test only through what the test does (an event, a newer P-GET, the client leaving), never
 * through its timeout — so a test that gets its answer knows what released it, however slow the
 * machine.
 */
export const LONG_HOLD = 180

/** The application id at the end of an application's `self` href. */
export const appIdOf = (self: string): ApplicationId => self.split('/').pop() as ApplicationId

/**
 * Resolves once the P-GET of the application `self` is parked on `t` and waiting, its first
 * look at the queue done: the next event for that application is what answers it.
 */
export function parked(t: TestServer, self: string): Promise<void> {
  return waitFor(async () => t.server.channel.isWaiting(appIdOf(self)), undefined, 5)
}
