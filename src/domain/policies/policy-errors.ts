// Refusals of the admin surface. The CLI prints the message and exits 1; the admin API maps the
// reason to its status (src/http/admin). Nothing has changed when one is thrown.
import type { SettingProblem } from './parameters.ts'

export type PolicyErrorReason = 'invalid' | 'not-found' | 'exists' | 'assigned' | 'forbidden'

export class PolicyError extends Error {
  override readonly name = 'PolicyError'
  readonly reason: PolicyErrorReason
  readonly problems: readonly SettingProblem[]

  constructor(reason: PolicyErrorReason, message: string, problems: readonly SettingProblem[] = []) {
    const detail = problems.map((p) => `\n  ${p.parameter}: ${p.message}`).join('')
    super(`${message}${detail}`)
    this.reason = reason
    this.problems = problems
  }
}
