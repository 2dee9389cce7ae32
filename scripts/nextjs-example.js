'use strict'

// The Next.js example, driven the way a user would: install the packed tarballs, `next build`,
// `next start`. Used by `npm run demo` (in examples/nextjs) and by the end-to-end test (in a
// temporary copy, so it installs from scratch).

const { execFileSync, spawn } = require('node:child_process')
const { cpSync, readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

const example = join(__dirname, '..', 'examples', 'nextjs')
const nextBin = (dir) => join(dir, 'node_modules', 'next', 'dist', 'bin', 'next')

/** Copies the example (sources only) to `dir`, pointing its authlite dependencies at `tarballs`. */
function copyExample(dir, tarballs) {
  cpSync(example, dir, {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|\.next)([\\/]|$)|\.db(-wal|-shm)?$|package-lock\.json$/.test(src),
  })
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  for (const tarball of tarballs) {
    const name = tarball.split(/[\\/]/).at(-1).replace(/-\d+\.\d+\.\d+\.tgz$/, '')
    const section = name === 'authlite' ? 'dependencies' : 'optionalDependencies'
    manifest[section][name] = `file:${tarball}`
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
}

/** `npm install` in the example directory. */
function install(dir) {
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'inherit' })
}

/** `next build` with Turbopack (Next 16's default) or, with `webpack: true`, webpack. */
function build(dir, { webpack = false, env = {} } = {}) {
  const args = ['build', ...(webpack ? ['--webpack'] : [])]
  execFileSync(process.execPath, [nextBin(dir), ...args], { cwd: dir, stdio: 'inherit', env: { ...process.env, ...env } })
}

/** `next start`; resolves with the child process and its URL once it is ready. */
function start(dir, { port = 3000, env = {}, onLog = () => {} } = {}) {
  const server = spawn(process.execPath, [nextBin(dir), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: dir,
    env: { ...process.env, ...env },
  })
  return new Promise((resolve, reject) => {
    let log = ''
    const onData = (chunk) => {
      log += chunk
      onLog(String(chunk))
      if (/Ready in/.test(log)) resolve({ server, url: `http://localhost:${port}` })
    }
    server.stdout.on('data', onData)
    server.stderr.on('data', onData)
    server.on('exit', (code) => reject(new Error(`next start exited with ${code}:\n${log}`)))
  })
}

module.exports = { example, copyExample, install, build, start }
