'use strict'

// authlite for Edge and worker runtimes (package.json `exports` conditions `edge-light`,
// `workerd`, `worker`): no native addon can load there, and importing one would take down every
// page that shares the bundle, Next.js's Edge `middleware.ts` above all. This file has the same
// exports with no dependency at all, so importing it always works: an app whose middleware never
// touches the database (JWT sessions) runs unchanged, and one that does gets, on its first call,
// a rejection that says where it ran and how to move that code to the Node.js runtime.

/** The 19 Adapter methods, as `SqliteAdapter` returns them in Node.js. */
const ADAPTER_METHODS = [
  'createUser',
  'getUser',
  'getUserByEmail',
  'getUserByAccount',
  'updateUser',
  'deleteUser',
  'linkAccount',
  'unlinkAccount',
  'createSession',
  'getSessionAndUser',
  'updateSession',
  'deleteSession',
  'createVerificationToken',
  'useVerificationToken',
  'getAccount',
  'createAuthenticator',
  'getAuthenticator',
  'listAuthenticatorsByUserId',
  'updateAuthenticatorCounter',
]

/** Where this code runs, in the words a developer knows it by. */
function runtimeName() {
  const edgeRuntime = typeof EdgeRuntime === 'string' ? EdgeRuntime : undefined
  // Written out in full so that bundlers replace it with its value (Next.js defines it).
  const nextRuntime = typeof process === 'object' && process.env ? process.env.NEXT_RUNTIME : undefined
  if (nextRuntime === 'edge') {
    return 'the Edge runtime of Next.js (a middleware.ts, or a route or page with `export const runtime = "edge"`)'
  }
  if (edgeRuntime) return `an Edge runtime (${edgeRuntime})`
  if (typeof navigator === 'object' && navigator.userAgent === 'Cloudflare-Workers') return 'Cloudflare Workers'
  return 'a worker runtime without Node.js native addons'
}

const FIX =
  'authlite is a Node.js native addon and needs the Node.js runtime. ' +
  'Next.js 16: rename middleware.ts to proxy.ts and export it as `proxy` (`export { auth as proxy } from "./auth"`); proxy.ts always runs on Node.js. ' +
  'Next.js 15.5: keep middleware.ts and add `export const config = { runtime: "nodejs" }`. ' +
  'Older Next.js: give the middleware a config without the adapter (auth.config.ts, the split config) and check the session with `auth()` in pages. ' +
  'A route or page: remove `export const runtime = "edge"`. ' +
  'See "Migrating an existing app" in the authlite README.'

/** The rejection of every call made on an Edge or worker runtime. */
function edgeRuntimeError(method) {
  // The code ends the message too: Auth.js logs an adapter error's message, not its code.
  const error = new Error(`authlite: ${method}: called on ${runtimeName()}, where the database cannot be opened. ${FIX} (AUTHLITE_EDGE_RUNTIME)`)
  error.code = 'AUTHLITE_EDGE_RUNTIME'
  return error
}

const rejectWith = (method) => async () => {
  throw edgeRuntimeError(method)
}

/**
 * Stands in for the native database handle: same name and methods, each of which fails with
 * `AUTHLITE_EDGE_RUNTIME` (the promise-returning ones reject, the synchronous reads throw).
 */
class AuthDatabase {
  /** Nothing can be opened here; nothing is closed either. */
  get closed() {
    return false
  }

  /** Nothing to close on this runtime. */
  close() {}
}
/** The maintenance methods both handles have besides the adapter's (`npx authlite` uses them). */
const MAINTENANCE_METHODS = ['deleteExpired', 'reencrypt', 'backup', 'stats', 'findUsers', 'userDetails', 'revokeSessions', 'removeUser', 'checkIntegrity']

for (const method of [...ADAPTER_METHODS, ...MAINTENANCE_METHODS]) {
  // The synchronous ones throw, as the native handle's do.
  const isRead = /^(get|list|stats$|findUsers$|userDetails$|checkIntegrity$)/.test(method)
  const fail = isRead
    ? function () {
        throw edgeRuntimeError(method)
      }
    : rejectWith(method)
  Object.defineProperty(AuthDatabase.prototype, method, { value: fail, writable: true, configurable: true })
}

/** The PostgreSQL handle's stand-in: every method, `ready()` included, rejects. */
class PostgresDatabase {
  /** Nothing can be opened here; nothing is closed either. */
  get closed() {
    return false
  }

  /** Nothing to close on this runtime. */
  close() {}
}
for (const method of [...ADAPTER_METHODS, ...MAINTENANCE_METHODS, 'ready', 'copyFromSqlite']) {
  Object.defineProperty(PostgresDatabase.prototype, method, { value: rejectWith(method), writable: true, configurable: true })
}

/** Returns the stand-in handle: opening a database is not possible on this runtime. */
function openAuthDatabase(options) {
  const postgres = typeof options === 'string' ? /^postgres(ql)?:\/\//i.test(options) : options != null && typeof options === 'object' && 'url' in options
  return postgres ? new PostgresDatabase() : new AuthDatabase()
}

/** The Adapter object, each of whose 19 methods rejects with `AUTHLITE_EDGE_RUNTIME`. */
function SqliteAdapter() {
  return Object.fromEntries(ADAPTER_METHODS.map((method) => [method, rejectWith(method)]))
}

/** The same, for `PostgresAdapter`: a native addon cannot load here either. */
function PostgresAdapter() {
  return SqliteAdapter()
}

module.exports = { SqliteAdapter, PostgresAdapter, openAuthDatabase, AuthDatabase, PostgresDatabase }
