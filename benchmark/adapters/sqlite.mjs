// better-sqlite3 connections with the pragmas every adapter in the benchmark gets (authlite sets
// the same ones itself): WAL, synchronous=NORMAL, foreign keys, a 5000 ms busy timeout.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export function openSqlite(path) {
  const Database = require('better-sqlite3')
  const db = new Database(path, { timeout: 5000 })
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  return db
}

/** @auth/drizzle-adapter's default SQLite schema, as drizzle-kit writes it (authlite uses it too). */
export const DRIZZLE_SCHEMA = readFileSync(new URL('../../__test__/fixtures/drizzle-sqlite-schema.sql', import.meta.url), 'utf8')

/**
 * Bulk seeding for the drizzle-shaped schema (authlite, hand-written, drizzle): users `from` to
 * `to` - 1, their accounts and sessions, one prepared INSERT per table, in the caller's
 * transaction. `storedToken` maps a session token to the stored key (authlite stores its hash).
 */
export function drizzleSchemaSeeder(db, storedToken = (t) => t) {
  const user = db.prepare('INSERT INTO user (id, name, email, emailVerified, image) VALUES (?, ?, ?, ?, ?)')
  const account = db.prepare(
    'INSERT INTO account (userId, type, provider, providerAccountId, refresh_token, access_token, expires_at, token_type, scope, id_token, session_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const session = db.prepare('INSERT INTO session (sessionToken, userId, expires) VALUES (?, ?, ?)')
  return ({ user: u, account: a, session: s }) => {
    user.run(u.id, u.name, u.email, u.emailVerified?.getTime() ?? null, u.image)
    account.run(a.userId, a.type, a.provider, a.providerAccountId, a.refresh_token, a.access_token, a.expires_at, a.token_type, a.scope, a.id_token, a.session_state)
    session.run(storedToken(s.sessionToken), s.userId, s.expires.getTime())
  }
}
