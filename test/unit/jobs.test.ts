// The periodic-jobs runner (src/app/jobs.ts): run by hand in the table's order, leader-only jobs
// only while this node leads, on timers when asked, a failing job logged without stopping the rest.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Job, startJobs } from '../../src/app/jobs.ts'
import { createLogger } from '../../src/platform/logger.ts'
import type { Leadership } from '../../src/store/postgres/leader-lease.ts'
import { until } from '../helpers/cli.ts'

const logger = createLogger('silent')

/** A lease whose holder the test decides; counts how often it was asked and closed. */
function lease(held: boolean): Leadership & { asked: number; closed: boolean } {
  return {
    asked: 0,
    closed: false,
    async held() {
      this.asked++
      return held
    },
    async close() {
      this.closed = true
    },
  }
}

function recorder(): { ran: string[]; job(name: string, leaderOnly: boolean, everyMs?: number): Job } {
  const ran: string[] = []
  return {
    ran,
    job: (name, leaderOnly, everyMs = 60_000) => ({ name, everyMs, leaderOnly, run: () => ran.push(name) }),
  }
}

describe('periodic jobs', () => {
  it('runs the named jobs, or all, in the table’s order, once each', async () => {
    const r = recorder()
    const jobs = startJobs([r.job('a', false), r.job('b', true), r.job('c', false)], {
      leader: lease(true),
      logger,
      timers: false,
    })
    await jobs.run(['c', 'a'])
    assert.deepEqual(r.ran, ['c', 'a'])
    await jobs.run()
    assert.deepEqual(r.ran, ['c', 'a', 'a', 'b', 'c'])
    await jobs.stop()
  })

  it('leaves leader-only jobs to the leader', async () => {
    const r = recorder()
    const leader = lease(false)
    const jobs = startJobs([r.job('everyNode', false), r.job('leaderOnly', true)], {
      leader,
      logger,
      timers: false,
    })
    await jobs.run()
    assert.deepEqual(r.ran, ['everyNode'])
    assert.equal(leader.asked, 1)
    await jobs.stop()
    assert.equal(leader.closed, true)
  })

  it('refuses an unknown job name and reports a failing job to the caller', async () => {
    const failing: Job = {
      name: 'fails',
      everyMs: 60_000,
      leaderOnly: false,
      run: async () => {
        throw new Error('store down')
      },
    }
    const jobs = startJobs([failing], { leader: lease(true), logger, timers: false })
    await assert.rejects(jobs.run(['nope']), /no periodic job "nope" \(jobs: fails\)/)
    await assert.rejects(jobs.run(['fails']), /store down/)
    await jobs.stop()
  })

  it('with timers, runs each job every turn, a failing one included', async () => {
    const r = recorder()
    let failures = 0
    const failing: Job = {
      name: 'fails',
      everyMs: 5,
      leaderOnly: true,
      run: () => {
        failures++
        throw new Error('always')
      },
    }
    const jobs = startJobs([r.job('often', false, 5), r.job('lead', true, 5), failing], {
      leader: lease(true),
      logger,
      timers: true,
    })
    // The failing job fails every turn and the others keep running beside it.
    await until(() => failures >= 2 && r.ran.filter((n) => n === 'lead').length >= 2)
    assert.ok(r.ran.includes('often'))
    await jobs.stop()
  })
})
