// getSessionAndUser calls per second (the call Auth.js makes on every authenticated request),
// through authlite's adapter as Auth.js calls it, and for scale through @auth/drizzle-adapter
// and a hand-written better-sqlite3 statement. Each library gets its own database file (never
// open one file from two SQLite libraries in one process).
//
//   npm run bench            (ROUNDS=200000 SESSIONS=1000 to change the sizes)

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { SqliteAdapter, openAuthDatabase } from '../index.mjs'

const require = createRequire(import.meta.url)
const ROUNDS = Number(process.env.ROUNDS ?? 200_000)
const SESSIONS = Number(process.env.SESSIONS ?? 1000)
const dir = mkdtempSync(join(tmpdir(), 'authlite-bench-'))
const tokens = Array.from({ length: SESSIONS }, (_, i) => `session-token-${i}-${Math.random().toString(36).slice(2)}`)
const expires = new Date(Date.now() + 30 * 86400_000)

async function seed(adapter) {
  for (let i = 0; i < SESSIONS; i++) {
    const user = await adapter.createUser({ id: `user-${i}`, email: `user${i}@example.com`, emailVerified: null, name: `User ${i}`, image: null })
    await adapter.createSession({ sessionToken: tokens[i], userId: user.id, expires })
  }
}

async function measure(name, call) {
  for (let i = 0; i < 5000; i++) await call(tokens[i % SESSIONS]) // warm up
  const start = process.hrtime.bigint()
  for (let i = 0; i < ROUNDS; i++) {
    const found = await call(tokens[(i * 7919) % SESSIONS])
    if (!found) throw new Error(`${name}: session not found`)
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const perSecond = Math.round(ROUNDS / seconds)
  console.log(`${name.padEnd(52)} ${perSecond.toLocaleString('en-US').padStart(10)} calls/s  ${((seconds / ROUNDS) * 1e6).toFixed(2)} µs/call`)
  return perSecond
}

console.log(`getSessionAndUser, ${SESSIONS} sessions, ${ROUNDS} calls each, Node ${process.version}\n`)

const db = openAuthDatabase(join(dir, 'authlite.db'))
const authlite = SqliteAdapter(db)
await seed(authlite)
const { getSessionAndUser } = authlite
await measure('authlite: adapter.getSessionAndUser (awaited)', getSessionAndUser)
await measure('authlite: AuthDatabase#getSessionAndUser (sync)', (t) => db.getSessionAndUser(t))

let Database
try {
  Database = require('better-sqlite3')
} catch {
  console.log('\n(better-sqlite3 and @auth/drizzle-adapter not installed: comparison skipped)')
}
if (Database) {
  const { drizzle } = require('drizzle-orm/better-sqlite3')
  const { DrizzleAdapter } = await import('@auth/drizzle-adapter')
  const sqlite = new Database(join(dir, 'drizzle.db'))
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.exec(readFileSync(new URL('../__test__/fixtures/drizzle-sqlite-schema.sql', import.meta.url), 'utf8'))
  const viaDrizzle = DrizzleAdapter(drizzle(sqlite))
  await seed(viaDrizzle)
  await measure('@auth/drizzle-adapter on better-sqlite3 (awaited)', viaDrizzle.getSessionAndUser)
  const statement = sqlite.prepare(
    'SELECT s.expires, u.* FROM session s JOIN user u ON u.id = s.userId WHERE s.sessionToken = ?',
  )
  await measure('better-sqlite3 hand-written join (awaited)', async (t) => {
    const row = statement.get(t)
    return row && { session: { sessionToken: t, userId: row.id, expires: new Date(row.expires) }, user: row }
  })
  sqlite.close()
}

db.close()
rmSync(dir, { recursive: true, force: true })
