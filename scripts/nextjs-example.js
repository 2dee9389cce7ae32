'use strict'

// The Next.js example, driven the way a user would: install the packed tarballs, `next build`,
// `next start`. Used by `npm run demo` (in examples/nextjs) and by the end-to-end tests (in a
// temporary copy, so it installs from scratch). The same functions drive the test fixture
// shaped like the official Auth.js example (`copyExample(dir, tarballs, { from })`), which also
// needs its standalone server (`startStandalone`) and `next dev` (`dev`).

const { execFileSync, spawn } = require('node:child_process')
const { cpSync, existsSync, readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

const example = join(__dirname, '..', 'examples', 'nextjs')
const nextBin = (dir) => join(dir, 'node_modules', 'next', 'dist', 'bin', 'next')

/**
 * Copies the example (sources only; or the app at `from`) to `dir`, pointing its authlite
 * dependencies at `tarballs`.
 */
function copyExample(dir, tarballs, { from = example } = {}) {
  cpSync(from, dir, {
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

/**
 * `npm install` in the example directory. With `timeout` (ms), an install that takes longer is
 * killed and tried once more: npm has been seen to hang for good after extracting every package
 * from its cache.
 */
function install(dir, { timeout } = {}) {
  const run = () =>
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: dir,
      stdio: 'inherit',
      timeout,
      killSignal: 'SIGKILL',
    })
  try {
    run()
  } catch (err) {
    if (!timeout || err.code !== 'ETIMEDOUT') throw err
    console.log(`npm install did not finish within ${timeout / 1000}s; trying once more`)
    run()
  }
}

/** `next build` with Turbopack (Next 16's default) or, with `webpack: true`, webpack. */
function build(dir, { webpack = false, env = {}, stdio = 'inherit' } = {}) {
  const args = ['build', ...(webpack ? ['--webpack'] : [])]
  return execFileSync(process.execPath, [nextBin(dir), ...args], {
    cwd: dir,
    stdio,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  })
}

/**
 * Spawns a Next.js server (`args` to node, in `cwd`); resolves with the child process and its
 * URL once it logs that it is ready. Everything it logs goes to `onLog`.
 */
function serve(args, { cwd, port, env = {}, onLog = () => {} }) {
  const server = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env } })
  return new Promise((resolve, reject) => {
    let log = ''
    const onData = (chunk) => {
      log += chunk
      onLog(String(chunk))
      if (/Ready in/.test(log)) resolve({ server, url: `http://localhost:${port}` })
    }
    server.stdout.on('data', onData)
    server.stderr.on('data', onData)
    server.on('exit', (code, signal) => reject(new Error(`${args.join(' ')} exited with ${code ?? signal}:\n${log}`)))
  })
}

/**
 * `next start` on localhost; resolves with the child process and its URL once it is ready. It
 * binds the name its URL (and Next's banner) shows: passkeys need a host name, as WebAuthn
 * refuses an IP address such as 127.0.0.1 for a relying party.
 */
function start(dir, { port = 3000, env = {}, onLog = () => {} } = {}) {
  return serve([nextBin(dir), 'start', '-p', String(port), '-H', 'localhost'], { cwd: dir, port, env, onLog })
}

/**
 * The standalone server of an app built with `output: "standalone"`, as Next.js documents
 * deploying it: `.next/static` and `public` copied next to `.next/standalone/server.js`, then
 * `node server.js` (which changes into its own directory). `cwd` is where it is started from.
 */
function startStandalone(dir, { port = 3000, env = {}, onLog = () => {}, cwd = dir } = {}) {
  const standalone = join(dir, '.next', 'standalone')
  cpSync(join(dir, '.next', 'static'), join(standalone, '.next', 'static'), { recursive: true })
  if (existsSync(join(dir, 'public'))) cpSync(join(dir, 'public'), join(standalone, 'public'), { recursive: true })
  return serve([join(standalone, 'server.js')], {
    cwd,
    port,
    env: { PORT: String(port), HOSTNAME: '127.0.0.1', ...env },
    onLog,
  })
}

/** `next dev` (Turbopack, or webpack with `webpack: true`); resolves once it is ready. */
function dev(dir, { port = 3000, env = {}, onLog = () => {}, webpack = false } = {}) {
  const args = [nextBin(dir), 'dev', '-p', String(port), '-H', '127.0.0.1', ...(webpack ? ['--webpack'] : [])]
  return serve(args, { cwd: dir, port, env, onLog })
}

module.exports = { example, copyExample, install, build, start, startStandalone, dev }
