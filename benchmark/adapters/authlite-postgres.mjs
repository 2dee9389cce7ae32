// authlite on PostgreSQL, as an app uses it: PostgresAdapter over openAuthDatabase({ url })
// (session tokens hashed, the default; a pool of 10 connections, its default). authlite creates
// its own schema: drizzle's default tables plus indexes on account.userId and session.userId.

import { sha256Hex } from '../data.mjs'
import { POOL_SIZE, bulkSeed as seed, drizzleLayout } from './postgres.mjs'

export const label = 'authlite'

export async function createSchema(url) {
  const { openAuthDatabase } = await import('../../index.mjs')
  const db = openAuthDatabase({ url })
  await db.ready() // migrates, and records that session tokens are stored hashed
  db.close()
}

// authlite stores sha256(token) in hex; the seeding writes the same.
export const bulkSeed = (url, users, expiresMs) => seed(url, users, expiresMs, drizzleLayout(sha256Hex))

export async function open(url) {
  const { openAuthDatabase, PostgresAdapter } = await import('../../index.mjs')
  const db = openAuthDatabase({ url, poolSize: POOL_SIZE })
  await db.ready()
  return { adapter: PostgresAdapter(db), close: () => db.close() }
}
