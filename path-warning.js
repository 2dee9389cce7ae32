'use strict'

// A database file inside a build's output directory is lost with the next build: Next.js's
// standalone `server.js` changes into `.next/standalone`, so `./auth.db` opens a new, empty file
// there, separate from the one `next build` made, and every build replaces it. authlite cannot
// know where the file should live, so it warns, once per resolved path and process.

const { isAbsolute, resolve, sep } = require('node:path')

/** Directories that a build or deploy step deletes and writes anew, by framework. */
const BUILD_OUTPUT_DIRS = {
  '.next': 'Next.js',
  '.vercel': 'Vercel',
  '.netlify': 'Netlify',
  '.output': 'Nitro (Nuxt, SolidStart)',
  '.nuxt': 'Nuxt',
  '.svelte-kit': 'SvelteKit',
}

const warned = (globalThis[Symbol.for('authlite.pathWarnings')] ??= new Set())

/** The build output directory `file` lies in, or `undefined`. */
function buildOutputDir(file) {
  const parts = file.split(/[\\/]/)
  const index = parts.findIndex((part) => Object.hasOwn(BUILD_OUTPUT_DIRS, part))
  return index === -1 ? undefined : parts.slice(0, index + 1).join(sep)
}

/**
 * Emits an `AUTHLITE_PATH_IN_BUILD_OUTPUT` warning when the database `path` of these options
 * resolves inside a build output directory. Never throws: bad options are the native side's to
 * reject, with its own message.
 */
function warnIfInBuildOutput(options) {
  let path
  try {
    path = typeof options === 'string' ? options : (options?.path ?? './auth.db')
  } catch {
    return
  }
  if (typeof path !== 'string' || path === ':memory:' || path === '') return
  const resolved = resolve(path)
  const dir = buildOutputDir(resolved)
  if (!dir || warned.has(resolved)) return
  warned.add(resolved)
  const framework = BUILD_OUTPUT_DIRS[dir.split(sep).at(-1)]
  const where = isAbsolute(path)
    ? `the database path "${path}" is inside ${dir}`
    : `the database path "${path}", relative to the working directory ${process.cwd()}, resolves to ${resolved}, inside ${dir}`
  process.emitWarning(
    `authlite: ${where}, a ${framework} build output directory that the next build deletes and writes anew: ` +
      'its users and sessions would be lost, and a standalone server would not use the file the build made. ' +
      'Keep the database outside the build output, at an absolute path from the environment: ' +
      'SqliteAdapter({ path: process.env.AUTH_DB_PATH ?? "./auth.db" }) with AUTH_DB_PATH=/var/lib/<app>/auth.db (a Docker volume in a container).',
    { code: 'AUTHLITE_PATH_IN_BUILD_OUTPUT' },
  )
}

module.exports = { warnIfInBuildOutput, buildOutputDir }
