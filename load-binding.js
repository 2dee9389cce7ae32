'use strict'

// Loads the native binding through the napi-rs loader (binding.js), which picks the
// authlite-<platform> package; where none fits, throws an error that says what to do.

/** `x86_64-unknown-linux-gnu` -> `linux-x64-gnu`, the npm platform package suffix. */
function platformName(triple) {
  const [arch, , os, abi] = triple.split('-')
  const cpu = { x86_64: 'x64', aarch64: 'arm64' }[arch] ?? arch
  const platform = { windows: 'win32' }[os] ?? os
  return [platform, cpu, abi].filter(Boolean).join('-')
}

/** The napi-rs loader's binding, or an error that says what to do on this platform. */
function loadBinding() {
  try {
    return require('./binding')
  } catch (err) {
    const targets = require('./package.json').napi.targets.map(platformName)
    const here = `${process.platform}-${process.arch}`
    const error = new Error(
      `authlite: no native binary could be loaded for ${here}. ` +
        `authlite ships prebuilt binaries for ${targets.join(', ')}, as optional dependencies ` +
        `named authlite-<platform>. On one of those, reinstall without --omit=optional ` +
        `(npm sometimes skips optional dependencies: delete node_modules and package-lock.json, then npm install). ` +
        `The loader's own error is in error.cause.`,
    )
    error.code = 'AUTHLITE_NO_BINARY'
    error.cause = err
    throw error
  }
}

module.exports = loadBinding()
