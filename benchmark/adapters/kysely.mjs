// @auth/kysely-adapter on kysely's SqliteDialect over better-sqlite3. The adapter needs its own
// tables (User, Account, Session, VerificationToken; dates as ISO strings on SQLite): this is the
// schema from its documentation, plus a unique index on Account (provider, providerAccountId)
// that getUserByAccount needs (without it every OAuth sign-in scans the Account table).

import { openSqlite } from './sqlite.mjs'

export const label = '@auth/kysely-adapter'

const SCHEMA = `
CREATE TABLE "User" (
  "id" TEXT PRIMARY KEY NOT NULL,
  "name" TEXT,
  "email" TEXT UNIQUE,
  "emailVerified" TEXT,
  "image" TEXT
);
CREATE TABLE "Account" (
  "id" TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(16)))),
  "userId" TEXT NOT NULL REFERENCES "User" ("id") ON DELETE CASCADE,
  "type" TEXT NOT NULL,
  "provider" TEXT NOT NULL,
  "providerAccountId" TEXT NOT NULL,
  "refresh_token" TEXT,
  "access_token" TEXT,
  "expires_at" INTEGER,
  "token_type" TEXT,
  "scope" TEXT,
  "id_token" TEXT,
  "session_state" TEXT
);
CREATE UNIQUE INDEX "Account_provider_providerAccountId_key" ON "Account" ("provider", "providerAccountId");
CREATE INDEX "Account_userId_index" ON "Account" ("userId");
CREATE TABLE "Session" (
  "id" TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(16)))),
  "userId" TEXT NOT NULL REFERENCES "User" ("id") ON DELETE CASCADE,
  "sessionToken" TEXT NOT NULL UNIQUE,
  "expires" TEXT NOT NULL
);
CREATE INDEX "Session_userId_index" ON "Session" ("userId");
CREATE TABLE "VerificationToken" (
  "identifier" TEXT NOT NULL,
  "token" TEXT NOT NULL UNIQUE,
  "expires" TEXT NOT NULL
);
`

export async function createSchema(path) {
  const db = openSqlite(path)
  db.exec(SCHEMA)
  db.close()
}

const iso = (date) => date?.toISOString() ?? null

export function seeder(db) {
  const user = db.prepare('INSERT INTO "User" (id, name, email, emailVerified, image) VALUES (?, ?, ?, ?, ?)')
  const account = db.prepare(
    'INSERT INTO "Account" (userId, type, provider, providerAccountId, refresh_token, access_token, expires_at, token_type, scope, id_token, session_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const session = db.prepare('INSERT INTO "Session" (sessionToken, userId, expires) VALUES (?, ?, ?)')
  return ({ user: u, account: a, session: s }) => {
    user.run(u.id, u.name, u.email, iso(u.emailVerified), u.image)
    account.run(a.userId, a.type, a.provider, a.providerAccountId, a.refresh_token, a.access_token, a.expires_at, a.token_type, a.scope, a.id_token, a.session_state)
    session.run(s.sessionToken, s.userId, iso(s.expires))
  }
}

export async function open(path) {
  const { Kysely, SqliteDialect } = await import('kysely')
  const { KyselyAdapter } = await import('@auth/kysely-adapter')
  const sqlite = openSqlite(path)
  const db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) })
  return { adapter: KyselyAdapter(db), close: () => db.destroy() }
}
