// The baseline: an Auth.js adapter written by hand on better-sqlite3, over drizzle's default
// SQLite schema (the tables authlite uses). Every statement is prepared once; getSessionAndUser
// is one JOIN; deletes return their row with RETURNING, so useVerificationToken is one atomic
// statement. Each method is async (Auth.js awaits them) and works unbound.

import { DRIZZLE_SCHEMA, drizzleSchemaSeeder, openSqlite } from './sqlite.mjs'

export const label = 'hand-written'

export async function createSchema(path) {
  const db = openSqlite(path)
  db.exec(DRIZZLE_SCHEMA)
  db.close()
}

export const seeder = (db) => drizzleSchemaSeeder(db)

const ms = (date) => (date == null ? null : date.getTime())
const date = (value) => (value == null ? null : new Date(value))
const toUser = (row) => row && { id: row.id, name: row.name, email: row.email, emailVerified: date(row.emailVerified), image: row.image }
const toSession = (row) => row && { sessionToken: row.sessionToken, userId: row.userId, expires: new Date(row.expires) }
const toToken = (row) => row && { identifier: row.identifier, token: row.token, expires: new Date(row.expires) }
const ACCOUNT_COLUMNS = ['userId', 'type', 'provider', 'providerAccountId', 'refresh_token', 'access_token', 'expires_at', 'token_type', 'scope', 'id_token', 'session_state']
const USER_COLUMNS = ['name', 'email', 'emailVerified', 'image']

export function handWrittenAdapter(db) {
  const q = (sql) => db.prepare(sql)
  const insertUser = q('INSERT INTO user (id, name, email, emailVerified, image) VALUES (?, ?, ?, ?, ?) RETURNING *')
  const userById = q('SELECT * FROM user WHERE id = ?')
  const userByEmail = q('SELECT * FROM user WHERE email = ?')
  const userByAccount = q('SELECT u.* FROM account a JOIN user u ON u.id = a.userId WHERE a.provider = ? AND a.providerAccountId = ?')
  const deleteUserRow = q('DELETE FROM user WHERE id = ? RETURNING *')
  const insertAccount = q(`INSERT INTO account (${ACCOUNT_COLUMNS.join(', ')}) VALUES (${ACCOUNT_COLUMNS.map(() => '?').join(', ')})`)
  const accountByKey = q('SELECT * FROM account WHERE provider = ? AND providerAccountId = ?')
  const deleteAccount = q('DELETE FROM account WHERE provider = ? AND providerAccountId = ? RETURNING *')
  const insertSession = q('INSERT INTO session (sessionToken, userId, expires) VALUES (?, ?, ?)')
  const sessionAndUser = q(
    'SELECT s.userId AS sessionUserId, s.expires AS sessionExpires, u.* FROM session s JOIN user u ON u.id = s.userId WHERE s.sessionToken = ?',
  )
  const updateSessionRow = q('UPDATE session SET expires = coalesce(?, expires), userId = coalesce(?, userId) WHERE sessionToken = ? RETURNING *')
  const deleteSessionRow = q('DELETE FROM session WHERE sessionToken = ? RETURNING *')
  const insertToken = q('INSERT INTO verificationToken (identifier, token, expires) VALUES (?, ?, ?)')
  const useToken = q('DELETE FROM verificationToken WHERE identifier = ? AND token = ? RETURNING *')
  const updateUserStatements = new Map() // one prepared UPDATE per set of changed columns

  return {
    createUser: async ({ id, name = null, email = null, emailVerified = null, image = null }) =>
      toUser(insertUser.get(id ?? crypto.randomUUID(), name, email, ms(emailVerified), image)),
    getUser: async (id) => toUser(userById.get(id)) ?? null,
    getUserByEmail: async (email) => toUser(userByEmail.get(email)) ?? null,
    getUserByAccount: async ({ provider, providerAccountId }) => toUser(userByAccount.get(provider, providerAccountId)) ?? null,
    updateUser: async ({ id, ...patch }) => {
      const columns = USER_COLUMNS.filter((c) => c in patch)
      const key = columns.join(',')
      if (!updateUserStatements.has(key)) {
        const sets = columns.map((c) => `${c} = ?`).join(', ') || 'id = id'
        updateUserStatements.set(key, q(`UPDATE user SET ${sets} WHERE id = ? RETURNING *`))
      }
      const values = columns.map((c) => (c === 'emailVerified' ? ms(patch[c]) : patch[c] ?? null))
      const row = updateUserStatements.get(key).get(...values, id)
      if (!row) throw new Error(`updateUser: no user ${id}`)
      return toUser(row)
    },
    deleteUser: async (id) => toUser(deleteUserRow.get(id)) ?? null,
    linkAccount: async (account) => {
      insertAccount.run(...ACCOUNT_COLUMNS.map((c) => account[c] ?? null))
      return account
    },
    unlinkAccount: async ({ provider, providerAccountId }) => deleteAccount.get(provider, providerAccountId) ?? undefined,
    getAccount: async (providerAccountId, provider) => accountByKey.get(provider, providerAccountId) ?? null,
    createSession: async ({ sessionToken, userId, expires }) => {
      insertSession.run(sessionToken, userId, expires.getTime())
      return { sessionToken, userId, expires }
    },
    getSessionAndUser: async (sessionToken) => {
      const row = sessionAndUser.get(sessionToken)
      if (!row) return null
      return { session: { sessionToken, userId: row.sessionUserId, expires: new Date(row.sessionExpires) }, user: toUser(row) }
    },
    updateSession: async ({ sessionToken, expires, userId }) =>
      toSession(updateSessionRow.get(ms(expires), userId ?? null, sessionToken)) ?? null,
    deleteSession: async (sessionToken) => toSession(deleteSessionRow.get(sessionToken)) ?? null,
    createVerificationToken: async (token) => {
      insertToken.run(token.identifier, token.token, token.expires.getTime())
      return token
    },
    useVerificationToken: async ({ identifier, token }) => toToken(useToken.get(identifier, token)) ?? null,
  }
}

export async function open(path) {
  const db = openSqlite(path)
  return { adapter: handWrittenAdapter(db), close: () => db.close() }
}
