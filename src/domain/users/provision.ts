// Users listed in the config file: created when missing, their directory fields kept in line
// with the file on every start. A password given in the file is set only at creation; a new user
// without one gets a random password, returned so the operator sees it once.
import type { Random } from '../ports.ts'
import type { UserService } from './user-service.ts'
import type { NewUser, User } from './user-types.ts'

export interface ProvisionedUser {
  readonly user: User
  /** Set when Parley generated the password (shown once, never stored in clear). */
  readonly generatedPassword: string | undefined
}

export async function provisionUsers(
  users: UserService,
  configured: readonly (NewUser & { readonly password: string | undefined })[],
  random: Random,
): Promise<ProvisionedUser[]> {
  const created: ProvisionedUser[] = []
  for (const { password, sipUri, ...fields } of configured) {
    const existing = await users.find(sipUri)
    if (existing) {
      await users.update(sipUri, fields)
      continue
    }
    const generated = password === undefined ? random.token(12) : undefined
    try {
      const user = await users.add({ sipUri, ...fields }, password ?? generated ?? null)
      created.push({ user, generatedPassword: generated })
    } catch (error) {
      // Cluster nodes starting together with one config: another node created the user first.
      if (!(await users.find(sipUri))) throw error
    }
  }
  return created
}
