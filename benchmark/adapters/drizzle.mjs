// @auth/drizzle-adapter with its default SQLite tables, on drizzle-orm/better-sqlite3.

import { createRequire } from 'node:module'

import { DRIZZLE_SCHEMA, drizzleSchemaSeeder, openSqlite } from './sqlite.mjs'

const require = createRequire(import.meta.url)

export const label = '@auth/drizzle-adapter'

export async function createSchema(path) {
  const db = openSqlite(path)
  db.exec(DRIZZLE_SCHEMA)
  db.close()
}

export const seeder = (db) => drizzleSchemaSeeder(db)

export async function open(path) {
  const { drizzle } = require('drizzle-orm/better-sqlite3')
  const { DrizzleAdapter } = await import('@auth/drizzle-adapter')
  const sqlite = openSqlite(path)
  return { adapter: DrizzleAdapter(drizzle(sqlite)), close: () => sqlite.close() }
}
