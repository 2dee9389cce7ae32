// Shared test helpers: fresh databases on either backend, unbound adapter methods, and
// inspection of stored rows (SQLite: in a child process, never opening the file from a second
// SQLite library in this process; PostgreSQL: with node-postgres, as role authlite).
//
// Backends: `BACKENDS` is ['sqlite', 'postgres'] when PostgreSQL 15 is installed here (see
// scripts/postgres-cluster.mjs), ['sqlite'] otherwise; with AUTHLITE_REQUIRE_POSTGRES=1 (CI) it
// always holds 'postgres', whose tests then fail saying PostgreSQL is missing.
// AUTHLITE_TEST_BACKENDS=sqlite (or =postgres) runs one backend only, for development. A test
// file's PostgreSQL databases live on one throwaway cluster, started on first use and stopped
// after the file's tests; its server TimeZone is Pacific/Chatham (UTC+12:45/+13:45), so a time
// read or written in the server's zone instead of UTC shows as a wrong value.
//
// 'pgbouncer' is PostgreSQL through a transaction pooler: the same cluster behind Debian's
// PgBouncer (scripts/pgbouncer.mjs) in transaction mode with 5 server connections per database,
// as Supabase's and Neon's pooled URLs are. It runs in the files that opt in with
// forEachBackend(define, { pooler: true }); its targets say backend 'postgres' (so rows() and
// the other helpers work on them, through the pooler) and `pooled: true`.

import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, afterEach, beforeEach, describe } from 'node:test'

import pg from 'pg'

import { openAuthDatabase, PostgresAdapter, PostgresDatabase, SqliteAdapter } from '../index.mjs'
import { pgbouncerAvailable, startPgBouncer } from '../scripts/pgbouncer.mjs'
import { postgresAvailable, startCluster } from '../scripts/postgres-cluster.mjs'

const dirs = []
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** A path for a new database file in a temporary directory removed after the tests. */
export function tempDbPath(name = 'auth.db') {
  const dir = mkdtempSync(join(tmpdir(), 'authlite-'))
  dirs.push(dir)
  return join(dir, name)
}

/**
 * The adapter's methods the way @auth/core takes them: collected with Object.keys and called
 * unbound, never as `adapter.method(...)`.
 */
export function unbound(adapter) {
  const methods = {}
  for (const name of Object.keys(adapter)) methods[name] = adapter[name]
  return methods
}

// --- backends -------------------------------------------------------------------------------

const REQUIRE_POSTGRES = process.env.AUTHLITE_REQUIRE_POSTGRES === '1'
const POSTGRES_INSTALLED = postgresAvailable()
const NO_POSTGRES =
  'PostgreSQL 15 is not installed here (/usr/lib/postgresql/15/bin); ' +
  'install it, or unset AUTHLITE_REQUIRE_POSTGRES to run on SQLite only'
const chosen = (process.env.AUTHLITE_TEST_BACKENDS ?? 'sqlite,postgres').split(',').map((s) => s.trim())

/** The backends the parameterized tests run on, in order. */
export const BACKENDS = ['sqlite', 'postgres'].filter(
  (backend) => chosen.includes(backend) && (backend === 'sqlite' || POSTGRES_INSTALLED || REQUIRE_POSTGRES),
)

const PGBOUNCER_INSTALLED = pgbouncerAvailable()
const NO_PGBOUNCER = 'PgBouncer is not installed here (/usr/sbin/pgbouncer); apt-get install pgbouncer'

/**
 * `describe(backend, () => define(backend))` for each backend in BACKENDS; when PostgreSQL is
 * left out because it is not installed, a skipped 'postgres' suite says so. With `pooler: true`
 * the PostgreSQL suite runs a second time through PgBouncer, as backend 'pgbouncer' (skipped when
 * PgBouncer is not installed, failing instead with AUTHLITE_REQUIRE_POSTGRES=1).
 */
export function forEachBackend(define, { pooler = false } = {}) {
  for (const backend of BACKENDS) describe(backend, () => define(backend))
  if (chosen.includes('postgres') && !BACKENDS.includes('postgres')) {
    describe('postgres', { skip: `${NO_POSTGRES.split(';')[0]}; set AUTHLITE_REQUIRE_POSTGRES=1 to fail instead` }, () => {})
  }
  if (pooler && BACKENDS.includes('postgres')) {
    const skip = !PGBOUNCER_INSTALLED && !REQUIRE_POSTGRES && `${NO_PGBOUNCER}; set AUTHLITE_REQUIRE_POSTGRES=1 to fail instead`
    describe('pgbouncer (PostgreSQL through a transaction pooler)', { skip }, () => define('pgbouncer'))
  }
}

/** Server settings of the shared cluster. */
export const POSTGRES_SETTINGS = { TimeZone: 'Pacific/Chatham', max_connections: 200 }

let clusterStarting = null
let poolerStarting = null

/** This process's PostgreSQL cluster (scripts/postgres-cluster.mjs), started on first use. */
export function postgresCluster() {
  clusterStarting ??= (async () => {
    if (!POSTGRES_INSTALLED) throw new Error(REQUIRE_POSTGRES ? `AUTHLITE_REQUIRE_POSTGRES=1, but ${NO_POSTGRES}` : NO_POSTGRES.split(';')[0])
    return startCluster({ settings: POSTGRES_SETTINGS })
  })()
  return clusterStarting
}

// PostgreSQL handles the helpers opened: those opened inside a test are closed after it (each
// holds a pool of connections), the others after the file's tests, before the cluster stops.
const fileHandles = []
let testHandles = null
beforeEach(() => {
  testHandles = []
})
afterEach(() => {
  for (const db of testHandles ?? []) db.close()
  testHandles = null
})
after(async () => {
  for (const db of fileHandles) db.close()
  if (poolerStarting) await (await poolerStarting.catch(() => null))?.stop()
  if (clusterStarting) await (await clusterStarting.catch(() => null))?.stop()
})

function track(db) {
  ;(testHandles ?? fileHandles).push(db)
  return db
}

/** PgBouncer in transaction mode in front of this process's cluster, started on first use. */
export function pgbouncer() {
  poolerStarting ??= (async () => {
    if (!PGBOUNCER_INSTALLED && REQUIRE_POSTGRES) throw new Error(`AUTHLITE_REQUIRE_POSTGRES=1, but ${NO_PGBOUNCER}`)
    return startPgBouncer(await postgresCluster(), { poolMode: 'transaction', poolSize: 5 })
  })()
  return poolerStarting
}

/**
 * A new, empty PostgreSQL database on this process's cluster; resolves to its URL (with
 * backend 'pgbouncer', the pooler's URL of it).
 */
export async function freshPostgresUrl(backend = 'postgres') {
  const url = await (await postgresCluster()).createDatabase()
  return backend === 'pgbouncer' ? (await pgbouncer()).pooled(url) : url
}

/** The name of the database a PostgreSQL URL names. */
export function databaseName(url) {
  return decodeURIComponent(new URL(url).pathname.slice(1))
}

/**
 * Where a fresh database on `backend` goes, nothing opened yet: `{ backend, path | url,
 * open(options) }`; `open` returns a new handle (`openAuthDatabase`) on it with those options.
 * PostgreSQL handles are closed after the test.
 */
export async function freshLocation(backend = 'sqlite') {
  if (backend === 'sqlite') {
    const path = tempDbPath()
    return { backend, path, open: (options = {}) => openAuthDatabase({ path, ...options }) }
  }
  return postgresLocation(await freshPostgresUrl(backend), backend === 'pgbouncer')
}

/** An existing PostgreSQL database as freshLocation gives a new one: `{ backend, url, open }`. */
export function postgresLocation(url, pooled = false) {
  return { backend: 'postgres', url, pooled, open: (options = {}) => track(openAuthDatabase({ url, ...options })) }
}

/** A fresh database on `backend` and a handle on it: freshLocation's result and `db`. */
export async function freshDatabase(backend = 'sqlite', options = {}) {
  const location = await freshLocation(backend)
  return { ...location, db: location.open(options) }
}

/** The adapter over an open handle of either backend. */
export function adapterOf(db) {
  return db instanceof PostgresDatabase ? PostgresAdapter(db) : SqliteAdapter(db)
}

/** A freshAdapter result without where its data is: the adapter alone, as Auth.js is given it. */
export function adapterMethods({ backend, path, url, pooled, db, ...methods }) {
  return methods
}

/**
 * A fresh adapter as unbound methods, with where its data is: `{ backend, path, ... }` on a new
 * SQLite file (returned as is), or a promise of `{ backend, url, db, ... }` on a new PostgreSQL
 * database (await it either way).
 */
export function freshAdapter(options = {}, backend = 'sqlite') {
  if (backend === 'sqlite') {
    const path = tempDbPath()
    return { backend, path, ...unbound(SqliteAdapter({ path, ...options })) }
  }
  return freshDatabase(backend, options).then(({ url, pooled, db }) => ({ backend: 'postgres', url, pooled, db, ...unbound(PostgresAdapter(db)) }))
}

// --- looking at stored rows -------------------------------------------------------------------

/** Runs `sql` on the database file in a child process (better-sqlite3) and returns its rows. */
export function inspect(path, sql, params = []) {
  const script = `
    const Database = require('better-sqlite3')
    const db = new Database(process.argv[1], { readonly: true, fileMustExist: true })
    const rows = db.prepare(process.argv[2]).all(...JSON.parse(process.argv[3]))
    process.stdout.write(JSON.stringify(rows))
  `
  const out = execFileSync(process.execPath, ['-e', script, path, sql, JSON.stringify(params)], {
    cwd: new URL('..', import.meta.url),
    encoding: 'utf8',
  })
  return JSON.parse(out)
}

/** Runs a script of statements on the database file in a child process (better-sqlite3). */
export function execInChild(path, sql) {
  const script = `
    const Database = require('better-sqlite3')
    new Database(process.argv[1]).exec(process.argv[2])
  `
  execFileSync(process.execPath, ['-e', script, path, sql], { cwd: new URL('..', import.meta.url) })
}

// node-postgres as the tests want it: bigint (count(*)) as a number, `timestamp` (without time
// zone, as drizzle's schema has it, holding UTC) as the UTC instant it holds.
const PG_TYPES = {
  getTypeParser(oid, format) {
    if (oid === pg.types.builtins.INT8) return (text) => (text === null ? null : Number(text))
    if (oid === pg.types.builtins.TIMESTAMP) return (text) => (text === null ? null : new Date(`${text.replace(' ', 'T')}Z`))
    return pg.types.getTypeParser(oid, format)
  },
}

/** Runs `fn(client)` on a new node-postgres connection to `url` (as role authlite), then closes it. */
export async function withPostgres(url, fn) {
  const client = new pg.Client({ connectionString: url, types: PG_TYPES })
  client.on('error', () => {})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** SQLite's `?` placeholders as PostgreSQL's `$1, $2, ...` (outside quoted text). */
function numberPlaceholders(sql) {
  let n = 0
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (match) => (match === '?' ? `$${++n}` : match))
}

/**
 * The rows `sql` returns on the database of `target` (a freshAdapter or freshDatabase result,
 * or `{ backend, path }` / `{ backend, url }`). Write the SQL both backends read: `?`
 * placeholders and double-quoted identifiers ("user", "sessionToken"); counts come back as
 * numbers on both.
 */
export async function rows(target, sql, params = []) {
  if (target.backend === 'postgres') {
    return withPostgres(target.url, async (client) => (await client.query(numberPlaceholders(sql), params)).rows)
  }
  return inspect(target.path, sql, params)
}

/** Runs statements on the database of `target` (SQLite: in a child process). */
export async function execSql(target, sql) {
  if (target.backend === 'postgres') {
    await withPostgres(target.url, (client) => client.query(sql))
  } else {
    execInChild(target.path, sql)
  }
}

/**
 * Checks the stored data is sound: SQLite's PRAGMA integrity_check; on PostgreSQL, amcheck's
 * bt_index_check of every index of the auth tables, and no row whose user is gone. Resolves to
 * 'ok' or to what is wrong.
 */
export async function integrity(target) {
  if (target.backend !== 'postgres') return inspect(target.path, 'PRAGMA integrity_check')[0].integrity_check
  const cluster = await postgresCluster()
  const database = databaseName(target.url)
  const problems = []
  const indexes = await cluster.psql(
    `CREATE EXTENSION IF NOT EXISTS amcheck;
     SELECT bt_index_check(c.oid, true), c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree'
       AND i.indrelid IN ('"user"'::regclass, 'account'::regclass, 'session'::regclass, '"verificationToken"'::regclass, 'authenticator'::regclass);`,
    database,
  )
  if (indexes.trim().split('\n').length < 5) problems.push(`only these indexes were checked: ${indexes}`)
  const [orphans] = await rows(
    target,
    `SELECT (SELECT count(*) FROM "account" a WHERE NOT EXISTS (SELECT 1 FROM "user" u WHERE u."id" = a."userId"))
          + (SELECT count(*) FROM "session" s WHERE NOT EXISTS (SELECT 1 FROM "user" u WHERE u."id" = s."userId"))
          + (SELECT count(*) FROM "authenticator" p WHERE NOT EXISTS (SELECT 1 FROM "user" u WHERE u."id" = p."userId")) AS n`,
  )
  if (orphans.n !== 0) problems.push(`${orphans.n} rows whose user is gone`)
  return problems.length === 0 ? 'ok' : problems.join('; ')
}

export const ADAPTER_METHODS = [
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

/** Runs `npx authlite` (bin/authlite.js) with `args`; resolves to { code, stdout, stderr } whatever the exit status. */
export function cli(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [fileURLToPath(new URL('../bin/authlite.js', import.meta.url)), ...args], (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr })
    })
  })
}
