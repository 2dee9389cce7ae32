'use strict'

// The Auth.js Adapter: a plain object whose own enumerable properties are async functions.
// @auth/core collects them with Object.keys() and calls each one unbound, so each is a closure
// over the native handle (a native method called unbound throws "Illegal invocation"). Being
// `async`, every function returns a promise and turns a thrown error into a rejection.

const { resolve } = require('node:path')

const { AuthDatabase, PostgresDatabase, normalizeOptions } = require('./load-binding')
const { warnIfInBuildOutput } = require('./path-warning')

/** Opens the database, warning first when its file would be lost with the next build. */
function open(options) {
  warnIfInBuildOutput(options)
  return new AuthDatabase(options)
}

/** Whether `options` name a PostgreSQL database: a `postgres://` URL, or an object with `url`. */
function isPostgres(options) {
  if (typeof options === 'string') return /^postgres(ql)?:\/\//i.test(options)
  return options !== null && typeof options === 'object' && 'url' in options
}

/**
 * Opens an authlite database for operations outside the Adapter interface
 * (`deleteExpired()`, `close()`); pass it to `SqliteAdapter(db)` (or, for `{ url }`,
 * `PostgresAdapter(db)`) to share it with Auth.js.
 */
function openAuthDatabase(options) {
  return isPostgres(options) ? new PostgresDatabase(options) : open(options)
}

// Databases SqliteAdapter opened, one per file (its resolved path) and process, kept on
// globalThis: a dev server that re-evaluates `auth.ts` on every edit (Next.js HMR) gets the open
// database back instead of piling up connections and writer threads, however the path and
// options are spelled. Asking for a file already open with other options is an error: two
// handles with different settings on one file would disagree (e.g. on hashing session tokens).
// `:memory:` is never shared: each call means a new, empty database.
const opened = (globalThis[Symbol.for('authlite.openedFiles')] ??= new Map())

function sharedDatabase(options) {
  const settings = normalizeOptions(options) // validates, with open's errors
  if (settings.path === ':memory:') return open(options)
  const file = resolve(settings.path)
  const wanted = { ...settings, path: file }
  const existing = opened.get(file)
  if (existing && !existing.db.closed) {
    const differ = Object.keys(wanted).filter((key) => JSON.stringify(existing.settings[key]) !== JSON.stringify(wanted[key]))
    if (differ.length > 0) {
      const was = differ.map((key) => `${key}: ${JSON.stringify(existing.settings[key])}`).join(', ')
      const now = differ.map((key) => `${key}: ${JSON.stringify(wanted[key])}`).join(', ')
      const error = new Error(
        `authlite: open: ${JSON.stringify(file)} is already open in this process with other options (${was}; asked now for ${now}). ` +
          'Pass the same options everywhere, or open it once and share the adapter.',
      )
      error.code = 'AUTHLITE_INVALID_INPUT'
      throw error
    }
    return existing.db
  }
  const db = open(options)
  opened.set(file, { db, settings: wanted })
  return db
}

// getSessionAndUser runs on every authenticated request. The native side passes its row
// as the arguments of a call to `sessionAndUser`: object literals here are cheaper than one
// napi call per property.
const USER_COLUMNS = new Set(['id', 'name', 'email', 'emailVerified', 'image'])

/** Copies the stored extra fields (a JSON object) onto `user`, never over a column. */
function addExtra(user, json) {
  let fields
  try {
    fields = JSON.parse(json)
  } catch (err) {
    fields = err
  }
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields) || fields instanceof Error) {
    const error = new Error(`authlite: getSessionAndUser: user ${JSON.stringify(user.id)} has extra fields that are not a JSON object in authlite_extra`)
    error.code = 'AUTHLITE_DATABASE'
    throw error
  }
  for (const key of Object.keys(fields)) {
    if (!USER_COLUMNS.has(key) && key !== '__proto__') user[key] = fields[key]
  }
}

/** `{ session, user }` from getSessionAndUser's row, which the native side passes as arguments. */
function sessionAndUser(sessionToken, expires, id, name, email, emailVerified, image, extra) {
  const user = { id, name, email, emailVerified: emailVerified === null ? null : new Date(emailVerified), image }
  if (extra !== null) addExtra(user, extra)
  return { session: { sessionToken, userId: id, expires: new Date(expires) }, user }
}

/**
 * The 19 Adapter methods over a native handle (either backend's: they have the same methods).
 * `getSessionAndUser` is passed in: SQLite's shapes its row in JS on the calling thread.
 */
function adapterMethods(db, getSessionAndUser) {
  return {
    createUser: async (user) => db.createUser(user),
    getUser: async (id) => db.getUser(id),
    getUserByEmail: async (email) => db.getUserByEmail(email),
    getUserByAccount: async (account) => db.getUserByAccount(account),
    updateUser: async (user) => db.updateUser(user),
    deleteUser: async (userId) => db.deleteUser(userId),
    linkAccount: async (account) => db.linkAccount(account),
    // Auth.js types it `AdapterAccount | undefined`; the native handle says `null` for none.
    unlinkAccount: async (account) => (await db.unlinkAccount(account)) ?? undefined,
    createSession: async (session) => db.createSession(session),
    getSessionAndUser,
    updateSession: async (session) => db.updateSession(session),
    deleteSession: async (sessionToken) => db.deleteSession(sessionToken),
    createVerificationToken: async (token) => db.createVerificationToken(token),
    useVerificationToken: async (params) => db.useVerificationToken(params),
    getAccount: async (providerAccountId, provider) => db.getAccount(providerAccountId, provider),
    createAuthenticator: async (authenticator) => db.createAuthenticator(authenticator),
    getAuthenticator: async (credentialID) => db.getAuthenticator(credentialID),
    listAuthenticatorsByUserId: async (userId) => db.listAuthenticatorsByUserId(userId),
    updateAuthenticatorCounter: async (credentialID, newCounter) =>
      db.updateAuthenticatorCounter(credentialID, newCounter),
  }
}

function invalid(message) {
  const error = new Error(`authlite: open: ${message}`)
  error.code = 'AUTHLITE_INVALID_INPUT'
  return error
}

/** The Auth.js adapter over an authlite database (a path, options, or an open database). */
function SqliteAdapter(databaseOrOptions) {
  if (databaseOrOptions instanceof PostgresDatabase || (typeof databaseOrOptions === 'string' && isPostgres(databaseOrOptions))) {
    throw invalid('this is a PostgreSQL database: use PostgresAdapter instead of SqliteAdapter')
  }
  const db = databaseOrOptions instanceof AuthDatabase ? databaseOrOptions : sharedDatabase(databaseOrOptions)
  return adapterMethods(db, async (sessionToken) => db.getSessionAndUserWith(sessionToken, sessionAndUser))
}

// PostgreSQL pools PostgresAdapter opened, one per URL and options, kept on globalThis for the
// same reason as `opened` above (a dev server reloading `auth.ts`).
const pools = (globalThis[Symbol.for('authlite.openedPostgres')] ??= new Map())

function sharedPostgres(options) {
  const key = JSON.stringify(typeof options === 'string' ? { url: options } : options)
  const existing = pools.get(key)
  if (existing && !existing.closed) return existing
  const db = new PostgresDatabase(options)
  pools.set(key, db)
  return db
}

/**
 * The Auth.js adapter on PostgreSQL: `PostgresAdapter({ url: process.env.DATABASE_URL })`, or a
 * database from `openAuthDatabase({ url })`. The same 19 methods, results and errors as
 * `SqliteAdapter`; the pool connects (and creates the tables) on the first call.
 */
function PostgresAdapter(databaseOrOptions) {
  if (databaseOrOptions instanceof AuthDatabase) {
    throw invalid('this is a SQLite database: use SqliteAdapter instead of PostgresAdapter')
  }
  const db = databaseOrOptions instanceof PostgresDatabase ? databaseOrOptions : sharedPostgres(databaseOrOptions)
  return adapterMethods(db, async (sessionToken) => db.getSessionAndUser(sessionToken))
}

module.exports = { SqliteAdapter, PostgresAdapter, openAuthDatabase, AuthDatabase, PostgresDatabase }
