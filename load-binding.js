'use strict'

// Loads the native binding through the napi-rs loader (binding.js), which picks the
// authlite-<platform> package. When that fails, finds out why and says what to do: the binary
// is missing (reinstall), installed but unloadable (say why), the package was bundled (mark it
// external), or this is not Node.js at all (move the code to the Node.js runtime).

/** `x86_64-unknown-linux-gnu` -> `linux-x64-gnu`, the npm platform package suffix. */
function platformName(triple) {
  const [arch, , os, abi] = triple.split('-')
  const cpu = { x86_64: 'x64', aarch64: 'arm64' }[arch] ?? arch
  const platform = { windows: 'win32' }[os] ?? os
  return [platform, cpu, abi].filter(Boolean).join('-')
}

/** This machine's platform package suffix, as the napi-rs loader picks it. */
function hostPlatform() {
  const { platform, arch } = process
  if (platform === 'win32') return `win32-${arch}-msvc`
  if (platform !== 'linux') return `${platform}-${arch}`
  const glibc = process.report?.getReport?.()?.header?.glibcVersionRuntime
  return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
}

function fail(code, message, cause) {
  const error = new Error(`authlite: ${message} The loader's own error is in error.cause.`)
  error.code = code
  error.cause = cause
  return error
}

/** The name of the bundler that compiled this file into its output, or null when it was not. */
function bundler() {
  if (typeof __webpack_require__ === 'function') return 'webpack'
  // Node.js gives every CommonJS file its own path; a bundle gives the output's, or none.
  try {
    const { existsSync, readFileSync } = require('node:fs')
    const { join } = require('node:path')
    const manifest = join(__dirname, 'package.json')
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'authlite') return null
  } catch {
    // no file system, or no __dirname: not loaded from node_modules by Node.js
  }
  return 'a bundler'
}

/** Whether authlite-<platform> (or a local build beside this file) can be found on disk. */
function binaryInstalled(platform) {
  try {
    require.resolve(`authlite-${platform}`)
    return true
  } catch {
    return require('node:fs').existsSync(require('node:path').join(__dirname, `authlite.${platform}.node`))
  }
}

/** The error that says why the binding did not load, and what to do. */
function diagnose(cause) {
  if (typeof process !== 'object' || !process.platform || !process.versions?.node) {
    return fail(
      'AUTHLITE_UNSUPPORTED_RUNTIME',
      'this is not Node.js (there is no process.platform): authlite is a Node.js native addon and cannot load on an Edge runtime, in a worker or in a browser. ' +
        'Bundlers that know the `edge-light`, `workerd` or `worker` export conditions get a build of authlite that loads there and rejects every call; this one did not. ' +
        'Import authlite only from code that runs on Node.js (in Next.js: proxy.ts, `export const config = { runtime: "nodejs" }`, route handlers and server components).',
      cause,
    )
  }
  const bundledBy = bundler()
  if (bundledBy) {
    return fail(
      'AUTHLITE_BUNDLED',
      `authlite was bundled by ${bundledBy}, so its native binary is not where the loader looks. ` +
        'Leave authlite to Node.js: in Next.js `serverExternalPackages: ["authlite"]` in next.config; ' +
        'webpack `externals`, esbuild `--external:authlite`, Vite `ssr.external`, Rollup `external`. Nothing needs reinstalling.',
      cause,
    )
  }
  let targets = []
  try {
    targets = require('./package.json').napi.targets.map(platformName)
  } catch {
    // unreadable manifest: the messages below just do not list the targets
  }
  const platform = hostPlatform()
  if (targets.length > 0 && !targets.includes(platform)) {
    return fail(
      'AUTHLITE_NO_BINARY',
      `there is no prebuilt binary for ${platform}. authlite ships binaries for ${targets.join(', ')}.`,
      cause,
    )
  }
  if (binaryInstalled(platform)) {
    // The napi-rs loader chains the error of every place it tried through `cause`.
    let reason
    for (let e = cause, depth = 0; e && depth < 20 && !reason; e = e.cause, depth++) {
      if (typeof e.message === 'string' && !/^Cannot find (module|native binding)/.test(e.message)) reason = e.message
    }
    return fail(
      'AUTHLITE_BINARY_LOAD_FAILED',
      `the binary for ${platform} is installed but Node.js could not load it${reason ? `: ${reason.split('\n')[0]}` : ''}. ` +
        'Check that it matches this system (glibc 2.17 or newer for -gnu, Alpine for -musl) and that it was installed on this machine.',
      cause,
    )
  }
  return fail(
    'AUTHLITE_NO_BINARY',
    `the binary for ${platform} (the optional dependency authlite-${platform}) is not installed. ` +
      'Reinstall without --omit=optional (npm sometimes skips optional dependencies: delete node_modules and package-lock.json, then npm install); ' +
      'when node_modules was copied from another platform (a Docker image built on macOS), install on the target instead.',
    cause,
  )
}

function loadBinding() {
  try {
    return require('./binding')
  } catch (err) {
    throw diagnose(err)
  }
}

module.exports = loadBinding()
