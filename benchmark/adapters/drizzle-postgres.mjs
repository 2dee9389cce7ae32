// @auth/drizzle-adapter with its default PostgreSQL tables, on drizzle-orm/node-postgres over a
// pg Pool of 10 connections. The tables are drizzle-kit's (no index beyond its keys and unique
// constraints).

import { DRIZZLE_PG_SCHEMA, bulkSeed as seed, drizzleLayout, pgPool, withClient } from './postgres.mjs'

export const label = '@auth/drizzle-adapter'

export async function createSchema(url) {
  await withClient(url, (client) => client.query(DRIZZLE_PG_SCHEMA))
}

export const bulkSeed = (url, users, expiresMs) => seed(url, users, expiresMs, drizzleLayout())

export async function open(url) {
  const { drizzle } = await import('drizzle-orm/node-postgres')
  const { DrizzleAdapter } = await import('@auth/drizzle-adapter')
  const pool = pgPool(url)
  return { adapter: DrizzleAdapter(drizzle({ client: pool })), close: () => pool.end() }
}
