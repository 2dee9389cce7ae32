// authlite, as an app uses it: SqliteAdapter over the database (session tokens hashed, the
// default). It creates its own schema (drizzle's tables plus its indexes) and sets the pragmas.

import { sha256Hex } from '../data.mjs'
import { drizzleSchemaSeeder } from './sqlite.mjs'

export const label = 'authlite'

export async function createSchema(path) {
  const { openAuthDatabase } = await import('../../index.mjs')
  openAuthDatabase({ path }).close()
}

// authlite stores sha256(token) in hex; the seed process writes the same.
export const seeder = (db) => drizzleSchemaSeeder(db, sha256Hex)

export async function open(path) {
  const { openAuthDatabase, SqliteAdapter } = await import('../../index.mjs')
  const db = openAuthDatabase({ path })
  return { adapter: SqliteAdapter(db), close: () => db.close() }
}
