'use strict'

// Builds the release addon (`npm run build`) when it is missing or older than the Rust
// sources, so `npm test` and `npm run demo` work on a fresh clone and stay fast after.

const { execSync } = require('node:child_process')
const { existsSync, readdirSync, statSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..')
const addon = readdirSync(root).find((f) => /^authlite\..+\.node$/.test(f))

function newest(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))))
}

const inputs = ['src', 'migrations', 'Cargo.toml', 'Cargo.lock', 'build.rs'].map((p) => join(root, p)).filter(existsSync)
const stale = !addon || Math.max(...inputs.map(newest)) > statSync(join(root, addon)).mtimeMs
if (stale) {
  console.log(addon ? 'authlite: sources changed, rebuilding the addon' : 'authlite: building the addon (first run)')
  execSync('npm run build', { cwd: root, stdio: 'inherit' })
}
