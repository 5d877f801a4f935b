import { randomBytes, randomUUID } from 'node:crypto'
import { type ApplicationId, asApplicationId, asUserId, type UserId } from '../domain/ids.ts'
import type { Clock, Random } from '../domain/ports.ts'

export class NodeRandom implements Random {
  token(bytes: number): string {
    return randomBytes(bytes).toString('base64url')
  }

  applicationId(): ApplicationId {
    // 63 random bits as a decimal number, like the long numeric ids real pools hand out.
    return asApplicationId((randomBytes(8).readBigUInt64BE() >> 1n).toString())
  }

  userId(): UserId {
    return asUserId(randomUUID())
  }
}

export const systemClock: Clock = { now: () => Date.now() }
