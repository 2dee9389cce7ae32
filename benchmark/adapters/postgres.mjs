// What the PostgreSQL adapters of the benchmark share: the pool size, drizzle's default
// PostgreSQL schema, and bulk seeding through pg (a few large INSERT ... SELECT FROM unnest(...)
// statements, in one transaction, then ANALYZE).

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

import { seedRow } from '../data.mjs'

const require = createRequire(import.meta.url)

/** Connections per pool, for every adapter: node-postgres's default `max` (and authlite's). */
export const POOL_SIZE = 10

/**
 * @auth/drizzle-adapter's default PostgreSQL tables as drizzle-kit creates them: authlite's first
 * migration, which is exactly that (authlite's second one adds its columns and indexes).
 */
export const DRIZZLE_PG_SCHEMA = readFileSync(new URL('../../migrations/postgres/0001_auth_tables.sql', import.meta.url), 'utf8')

/** A pg Pool of POOL_SIZE connections, as an app would make for the JS adapters. */
export function pgPool(url) {
  const { Pool } = require('pg')
  return new Pool({ connectionString: url, max: POOL_SIZE })
}

/** Runs `fn(client)` on one pg connection, then closes it. */
export async function withClient(url, fn) {
  const { Client } = require('pg')
  const client = new Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/**
 * Inserts rows (arrays of values, in the order of `columns`) with one statement:
 * `INSERT INTO table (...) SELECT * FROM unnest($1::type[], ...)`. `columns`: [name, SQL type].
 */
async function insertRows(client, table, columns, rows) {
  const names = columns.map(([name]) => `"${name}"`).join(', ')
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')
  await client.query(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays})`, columns.map((_, i) => rows.map((row) => row[i])))
}

// Timestamps go in as ISO text: a `timestamp` column (drizzle's) keeps the UTC wall-clock time
// and ignores the Z, a `timestamptz` one (@auth/pg-adapter's) reads it as UTC.
const iso = (date) => date?.toISOString() ?? null

/**
 * Where an adapter keeps the seeded rows: `names`, its tables (by drizzle's name in lower case);
 * `columns`, for the user, account and session tables, [column, SQL type, value of a seedRow()].
 * `timestamp` and `expiresAt` are the SQL types of the date columns and of `expires_at`.
 */
export function layout({ user, account, session, verificationToken, timestamp, expiresAt, storedToken = (t) => t }) {
  const names = { user, account, session, verificationtoken: verificationToken }
  const columns = {
    user: [
      ['id', 'text', (r) => r.user.id],
      ['name', 'text', (r) => r.user.name],
      ['email', 'text', (r) => r.user.email],
      ['emailVerified', timestamp, (r) => iso(r.user.emailVerified)],
      ['image', 'text', (r) => r.user.image],
    ],
    account: [
      ...['userId', 'type', 'provider', 'providerAccountId', 'refresh_token', 'access_token'].map((c) => [c, 'text', (r) => r.account[c]]),
      ['expires_at', expiresAt, (r) => r.account.expires_at],
      ...['token_type', 'scope', 'id_token', 'session_state'].map((c) => [c, 'text', (r) => r.account[c]]),
    ],
    session: [
      ['sessionToken', 'text', (r) => storedToken(r.session.sessionToken)],
      ['userId', 'text', (r) => r.session.userId],
      ['expires', timestamp, (r) => iso(r.session.expires)],
    ],
  }
  return { names, columns }
}

/** drizzle's default tables (authlite's too); `storedToken` maps a session token to its stored key. */
export const drizzleLayout = (storedToken) =>
  layout({ user: '"user"', account: '"account"', session: '"session"', verificationToken: '"verificationToken"', timestamp: 'timestamp', expiresAt: 'integer', storedToken })

/**
 * Seeds users 0 to `users` - 1 (data.mjs: one account and one session each) in batches of
 * 50,000, in one transaction, then ANALYZEs. Resolves to the row count of every table, under the
 * names of drizzle's tables in lower case (as the SQLite seeding reports them), so adapters with
 * other table names compare.
 */
export async function bulkSeed(url, users, expiresMs, { names, columns }) {
  return withClient(url, async (client) => {
    await client.query('BEGIN')
    for (let from = 0; from < users; from += 50_000) {
      const rows = Array.from({ length: Math.min(users, from + 50_000) - from }, (_, i) => seedRow(from + i, expiresMs))
      for (const table of ['user', 'account', 'session']) {
        const values = rows.map((row) => columns[table].map(([, , value]) => value(row)))
        await insertRows(client, names[table], columns[table], values)
      }
    }
    await client.query('COMMIT')
    await client.query('ANALYZE')
    const counts = {}
    for (const [name, table] of Object.entries(names)) {
      counts[name] = Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)
    }
    return counts
  })
}
