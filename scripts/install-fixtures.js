'use strict'

// Installs the dependencies of the test projects under compat/ (next-auth v4 and v5 cannot
// share one node_modules with the root) when they are missing or their lock file changed.

const { execFileSync } = require('node:child_process')
const { existsSync, readdirSync, statSync } = require('node:fs')
const { join } = require('node:path')

const compat = join(__dirname, '..', 'compat')

for (const name of readdirSync(compat)) {
  const dir = join(compat, name)
  const lock = join(dir, 'package-lock.json')
  const installed = join(dir, 'node_modules', '.package-lock.json')
  if (!existsSync(lock)) continue
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) continue
  console.log(`authlite: installing the dependencies of compat/${name}`)
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: dir,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  })
}
