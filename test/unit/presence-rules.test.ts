import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { coalesce, type QueuedEvent } from '../../src/domain/events/channel-event.ts'
import { aggregatePresence, type Endpoint, viewFor } from '../../src/domain/presence/presence-rules.ts'

const MIN = 60_000
const NOW = 1_000_000_000
const endpoint = (kind: Endpoint['kind'], idleMinutes: number, expiresInMinutes = 60): Endpoint => ({
  kind,
  userActiveAt: NOW - idleMinutes * MIN,
  expiresAt: NOW + expiresInMinutes * MIN,
})

describe('aggregatePresence', () => {
  it('is Offline with no live endpoint, however the user set it', () => {
    assert.equal(aggregatePresence(null, [], NOW).aggregate.availability, 'Offline')
    assert.equal(aggregatePresence('Busy', [], NOW).aggregate.availability, 'Offline')
    const expired = endpoint('browser', 0, -1)
    assert.equal(aggregatePresence(null, [expired], NOW).aggregate.availability, 'Offline')
  })

  it('follows the most active endpoint: Online, then IdleOnline after 5 min, Away after 15', () => {
    assert.deepEqual(aggregatePresence(null, [endpoint('browser', 1)], NOW).aggregate, {
      availability: 'Online',
      activity: undefined,
      deviceType: 'Web',
    })
    assert.equal(aggregatePresence(null, [endpoint('browser', 5)], NOW).aggregate.availability, 'IdleOnline')
    assert.equal(aggregatePresence(null, [endpoint('browser', 15)], NOW).aggregate.availability, 'Away')
    const both = aggregatePresence(null, [endpoint('browser', 20), endpoint('mobile', 2)], NOW).aggregate
    assert.deepEqual([both.availability, both.deviceType], ['Online', 'Mobile'])
  })

  it('lets an explicit state win, with Busy turning IdleBusy when every endpoint is idle', () => {
    const active = [endpoint('desktop', 0)]
    const idle = [endpoint('desktop', 6)]
    assert.equal(aggregatePresence('Busy', active, NOW).aggregate.availability, 'Busy')
    assert.equal(aggregatePresence('Busy', idle, NOW).aggregate.availability, 'IdleBusy')
    assert.equal(aggregatePresence('DoNotDisturb', idle, NOW).aggregate.availability, 'DoNotDisturb')
    assert.equal(aggregatePresence('BeRightBack', active, NOW).aggregate.availability, 'BeRightBack')
    assert.equal(aggregatePresence('Away', active, NOW).aggregate.availability, 'Away')
    assert.deepEqual(aggregatePresence('Offwork', active, NOW).aggregate, {
      availability: 'Away',
      activity: 'off-work',
      deviceType: 'PC',
    })
  })

  it('says when the aggregate could next change on its own', () => {
    const { nextCheckAt } = aggregatePresence(null, [endpoint('browser', 1, 30)], NOW)
    assert.equal(nextCheckAt, NOW + 4 * MIN)
    const idle = aggregatePresence(null, [endpoint('browser', 6, 30)], NOW)
    assert.equal(idle.nextCheckAt, NOW + 9 * MIN)
    const away = aggregatePresence(null, [endpoint('browser', 20, 3)], NOW)
    assert.equal(away.nextCheckAt, NOW + 3 * MIN)
    assert.equal(aggregatePresence(null, [], NOW).nextCheckAt, undefined)
  })
})

describe('viewFor', () => {
  const state = {
    aggregate: { availability: 'Busy' as const, activity: 'off-work', deviceType: 'PC' as const },
    lastActive: NOW,
    note: 'at the dentist',
    outOfOffice: null,
    location: 'Building 7',
  }

  it('shows Blocked watchers Offline and nothing else', () => {
    assert.deepEqual(viewFor('Blocked', state), {
      availability: 'Offline',
      activity: undefined,
      deviceType: 'Unknown',
      lastActive: undefined,
      note: undefined,
      location: undefined,
      modalities: [],
    })
  })

  it('shows External watchers availability only', () => {
    const v = viewFor('External', state)
    assert.deepEqual(
      [v.availability, v.activity, v.note, v.location, v.lastActive],
      ['Busy', undefined, undefined, undefined, undefined],
    )
  })

  it('shows Colleagues the note but not the location; Workgroup and closer see both', () => {
    const colleagues = viewFor('Colleagues', state)
    assert.deepEqual(colleagues.note, { message: 'at the dentist', type: 'Personal' })
    assert.equal(colleagues.location, undefined)
    assert.equal(viewFor('Workgroup', state).location, 'Building 7')
    assert.equal(viewFor('FriendsAndFamily', state).location, 'Building 7')
  })

  it('prefers the out-of-office note', () => {
    assert.deepEqual(viewFor('Colleagues', { ...state, outOfOffice: 'Back Monday' }).note, {
      message: 'Back Monday',
      type: 'OutOfOffice',
    })
  })
})

describe('coalesce', () => {
  const q = (
    seq: number,
    rel: string,
    type: 'updated' | 'added',
    priority: 'medium' | 'high' = 'medium',
    id = 'x',
  ): QueuedEvent => ({
    seq,
    event: { sender: { rel: 'people' }, link: { rel, ids: [id] }, type, priority },
  })

  it('keeps only the last of repeated medium updates of one resource, in place', () => {
    const { keep, dropped } = coalesce([
      q(1, 'contactPresence', 'updated'),
      q(2, 'contactNote', 'updated'),
      q(3, 'contactPresence', 'updated'),
      q(4, 'contactPresence', 'updated', 'medium', 'y'),
    ])
    assert.deepEqual(
      keep.map((e) => e.seq),
      [2, 3, 4],
    )
    assert.deepEqual(dropped, [1])
  })

  it('never folds high-priority, added or embedded events', () => {
    const events = [
      q(1, 'message', 'updated', 'high'),
      q(2, 'message', 'updated', 'high'),
      q(3, 'contact', 'added'),
      q(4, 'contact', 'added'),
    ]
    assert.equal(coalesce(events).keep.length, 4)
    const embedded: QueuedEvent[] = [1, 2].map((seq) => ({
      seq,
      event: {
        sender: { rel: 'communication' },
        link: { rel: 'communication' },
        type: 'updated',
        priority: 'medium',
        embedded: { a: seq },
      },
    }))
    assert.equal(coalesce(embedded).keep.length, 2)
  })
})
