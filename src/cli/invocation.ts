// How the person who started this process runs `parley` again, for the commands its hints show
// ("set a password with: …"): a hint must work when pasted into a shell as it is, whether Parley
// was started by `npm start`, `npx parley`, an installed `parley` or a path to bin/parley.js.
import { accessSync, constants, realpathSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Env } from './io.ts'

const LAUNCHER = fileURLToPath(new URL('../../bin/parley.js', import.meta.url))
const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url))

/** The command that runs this installation's `parley`, e.g. `npx parley`. */
export function parleyCommand(env: Env): string {
  // One of this project's own npm scripts (npm start): its `parley` script is the way in.
  if (env.npm_package_json === PACKAGE_JSON && env.npm_lifecycle_event !== 'npx')
    return 'npm run -s parley --'
  // npx, or a dependent project's npm script: npm's PATH (node_modules/.bin) is gone in a plain
  // shell, and npx finds the project's parley again.
  if (env.npm_lifecycle_event !== undefined) return 'npx parley'
  if (sameFile(onPath('parley', env.PATH ?? ''), LAUNCHER)) return 'parley'
  return shellWord(LAUNCHER)
}

/** `text` as one shell word (quoted when it has to be). */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`
}

function onPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

function sameFile(a: string | undefined, b: string): boolean {
  if (a === undefined) return false
  try {
    return realpathSync(a) === realpathSync(b)
  } catch {
    return false
  }
}
