// @auth/pg-adapter (node-postgres) over a pg Pool of 10 connections. It needs its own tables
// (users, accounts, sessions, verification_token). This is the schema from its documentation,
// with three changes so it does the same work as the others:
//   - ids are text UUIDs made by the database (gen_random_uuid()) instead of SERIAL integers,
//     like the other adapters' ids (the adapter never passes an id, so the database makes one),
//     and the seeded users keep the same ids everywhere;
//   - unique indexes on users.email, sessions."sessionToken" and accounts (provider,
//     "providerAccountId"), which every lookup of the adapter needs (the documented schema has
//     none: every getSessionAndUser would scan the sessions table);
//   - the foreign keys (ON DELETE CASCADE) and userId indexes drizzle's schema and authlite have.
// Its SERIAL ids on accounts and sessions stay: the adapter returns them.

import { bulkSeed as seed, layout, pgPool, withClient } from './postgres.mjs'

export const label = '@auth/pg-adapter'

const SCHEMA = `
CREATE TABLE verification_token (
  identifier TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,
  PRIMARY KEY (identifier, token)
);
CREATE TABLE users (
  id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name VARCHAR(255),
  email VARCHAR(255) UNIQUE,
  "emailVerified" TIMESTAMPTZ,
  image TEXT
);
CREATE TABLE accounts (
  id SERIAL PRIMARY KEY,
  "userId" TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type VARCHAR(255) NOT NULL,
  provider VARCHAR(255) NOT NULL,
  "providerAccountId" VARCHAR(255) NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  expires_at BIGINT,
  id_token TEXT,
  scope TEXT,
  session_state TEXT,
  token_type TEXT,
  UNIQUE (provider, "providerAccountId")
);
CREATE INDEX accounts_userId ON accounts ("userId");
CREATE TABLE sessions (
  id SERIAL PRIMARY KEY,
  "userId" TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires TIMESTAMPTZ NOT NULL,
  "sessionToken" VARCHAR(255) NOT NULL UNIQUE
);
CREATE INDEX sessions_userId ON sessions ("userId");
`

export async function createSchema(url) {
  await withClient(url, (client) => client.query(SCHEMA))
}

const LAYOUT = layout({ user: 'users', account: 'accounts', session: 'sessions', verificationToken: 'verification_token', timestamp: 'timestamptz', expiresAt: 'bigint' })

export const bulkSeed = (url, users, expiresMs) => seed(url, users, expiresMs, LAYOUT)

export async function open(url) {
  const { default: PostgresAdapter } = await import('@auth/pg-adapter')
  const pool = pgPool(url)
  return { adapter: PostgresAdapter(pool), close: () => pool.end() }
}
