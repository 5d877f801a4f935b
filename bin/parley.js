#!/usr/bin/env node
// The `parley` command. Runs src/cli/main.ts on the project's own Node — the npm `node` package
// that package.json pins — whatever `node` the PATH finds: outside npm scripts that is often an
// older system Node, which cannot run TypeScript. Plain JavaScript, for any Node ≥ 18.
// Arguments, standard streams and the exit status pass through; stop signals are passed on.
import { spawn } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { constants } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** The `node` package's binary, found as Node finds packages (nested or hoisted). */
function projectNode() {
  try {
    const pkg = createRequire(import.meta.url).resolve('node/package.json')
    const bin = join(dirname(pkg), 'bin', 'node')
    return existsSync(bin) ? bin : undefined
  } catch {
    return undefined
  }
}

function sameFile(a, b) {
  try {
    return realpathSync(a) === realpathSync(b)
  } catch {
    return false
  }
}

const node = projectNode()
if (node === undefined) {
  process.stderr.write(
    'parley: the Node.js this project runs on (the npm package "node") is not installed; run npm install\n',
  )
  process.exit(1)
}

if (sameFile(process.execPath, node)) {
  // Already on it (npm scripts and npx put node_modules/.bin first on the PATH): no second process.
  await import(MAIN)
} else {
  // The child stops with its parent if this process is killed outright (src/cli/start.ts).
  const child = spawn(node, [MAIN, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, PARLEY_STOP_WITH_PARENT: '1' },
  })
  // A Ctrl-C reaches both processes; passing it on as well is harmless (the CLI ignores repeats)
  // and needed when only this process is signalled (a service manager, `kill`).
  for (const signal of SIGNALS) process.on(signal, () => child.kill(signal))
  child.on('error', (error) => {
    process.stderr.write(`parley: cannot run ${node}: ${error.message}\n`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1)
    // Die of the same signal, so that the caller sees what the CLI saw.
    for (const s of SIGNALS) process.removeAllListeners(s)
    process.kill(process.pid, signal)
    process.exit(128 + (constants.signals[signal] ?? 0))
  })
}
