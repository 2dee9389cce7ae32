// A database made by @auth/drizzle-adapter opens in authlite with all its data, and signed-in
// users stay signed in: the adopting migration hashes the raw session tokens already there. On
// SQLite: its default SQLite schema, written through the real adapter in a child process. On
// PostgreSQL: its default PostgreSQL schema (drizzle-kit's SQL), written through the real adapter
// over drizzle-orm/node-postgres, on a server whose TimeZone is Pacific/Chatham.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import pg from 'pg'

import { PostgresAdapter, SqliteAdapter } from '../index.mjs'
import { forEachBackend, freshPostgresUrl, inspect, postgresLocation, rows, tempDbPath, unbound } from './helpers.mjs'

/** The PostgreSQL schema versions, one per file of migrations/postgres/: every one applied, once. */
const POSTGRES_MIGRATIONS = readdirSync(new URL('../migrations/postgres/', import.meta.url))
  .filter((file) => file.endsWith('.sql'))
  .map((file, index) => index + 1)

const writer = fileURLToPath(new URL('./fixtures/drizzle-writer.cjs', import.meta.url))
const drizzle = (...args) => execFileSync(process.execPath, [writer, ...args], { encoding: 'utf8' })

forEachBackend((backend) => {
  if (backend === 'sqlite') {
    test('a drizzle-adapter database is adopted with its data, and stays readable by drizzle', async () => {
      const path = tempDbPath()
      const { userId } = JSON.parse(drizzle('create', path))

      const a = unbound(SqliteAdapter(path))
      const user = await a.getUser(userId)
      assert.deepEqual(user, { id: userId, name: 'Dee', email: 'dee@example.com', emailVerified: new Date(1_700_000_000_123), image: null })
      assert.deepEqual(await a.getUserByAccount({ provider: 'github', providerAccountId: 'gh-1' }), user)
      const account = await a.getAccount('gh-1', 'github')
      assert.equal(account.access_token, 'gho_abc')
      assert.equal(account.expires_at, 1_700_003_600)

      const found = await a.getSessionAndUser('drizzle-raw-session')
      assert.ok(found, 'the drizzle session still signs its user in')
      assert.equal(found.session.expires.getTime(), 4_102_444_800_000)
      const stored = inspect(path, 'SELECT sessionToken FROM session')
      assert.deepEqual(stored, [{ sessionToken: createHash('sha256').update('drizzle-raw-session').digest('hex') }])

      assert.deepEqual(await a.getAuthenticator('cred-d'), {
        credentialID: 'cred-d',
        userId,
        providerAccountId: 'cred-d',
        credentialPublicKey: 'pk',
        counter: 3,
        credentialDeviceType: 'singleDevice',
        credentialBackedUp: false,
        transports: 'usb',
      })
      assert.equal((await a.useVerificationToken({ identifier: 'dee@example.com', token: 'vt-hash' })).expires.getTime(), 4_102_444_800_001)

      // What authlite writes, the app's own drizzle code can read.
      await a.createUser({ id: 'authlite-user', email: 'al@example.com', emailVerified: new Date(1_600_000_000_456), role: 'admin' })
      const viaDrizzle = JSON.parse(drizzle('read', path, 'authlite-user'))
      assert.equal(viaDrizzle.email, 'al@example.com')
      assert.equal(viaDrizzle.emailVerified, new Date(1_600_000_000_456).toISOString())
    })
  } else {
    test('a drizzle-adapter database on PostgreSQL is adopted in place with its data, and stays readable by drizzle', async () => {
      const url = await freshPostgresUrl()
      // One connection, ended (its socket closed) before the test ends.
      const client = new pg.Client({ connectionString: url })
      client.on('error', () => {})
      await client.connect()
      try {
        // The app before authlite: drizzle-kit's tables, and records written by DrizzleAdapter.
        await client.query(readFileSync(new URL('./fixtures/drizzle-pg-schema.sql', import.meta.url), 'utf8'))
        const { DrizzleAdapter } = await import('@auth/drizzle-adapter')
        const { drizzle: drizzlePg } = await import('drizzle-orm/node-postgres')
        const dz = DrizzleAdapter(drizzlePg(client))
        const { id: userId } = await dz.createUser({ name: 'Dee', email: 'dee@example.com', emailVerified: new Date(1_700_000_000_123), image: null })
        await dz.linkAccount({ userId, type: 'oauth', provider: 'github', providerAccountId: 'gh-1', access_token: 'gho_abc', expires_at: 1_700_003_600, token_type: 'bearer', scope: 'read:user' })
        await dz.createSession({ sessionToken: 'drizzle-raw-session', userId, expires: new Date(4_102_444_800_000) })
        await dz.createVerificationToken({ identifier: 'dee@example.com', token: 'vt-hash', expires: new Date(4_102_444_800_001) })
        await dz.createAuthenticator({ credentialID: 'cred-d', userId, providerAccountId: 'cred-d', credentialPublicKey: 'pk', counter: 3, credentialDeviceType: 'singleDevice', credentialBackedUp: false, transports: 'usb' })
        await dz.createAuthenticator({ credentialID: 'cred-c', userId, providerAccountId: 'cred-c', credentialPublicKey: 'pk2', counter: 0, credentialDeviceType: 'multiDevice', credentialBackedUp: true, transports: null })

        const location = postgresLocation(url)
        const a = unbound(PostgresAdapter(location.open()))
        const user = await a.getUser(userId)
        assert.deepEqual(user, { id: userId, name: 'Dee', email: 'dee@example.com', emailVerified: new Date(1_700_000_000_123), image: null })
        assert.deepEqual(await a.getUserByAccount({ provider: 'github', providerAccountId: 'gh-1' }), user)
        const account = await a.getAccount('gh-1', 'github')
        assert.equal(account.access_token, 'gho_abc')
        assert.equal(account.expires_at, 1_700_003_600)

        const found = await a.getSessionAndUser('drizzle-raw-session')
        assert.ok(found, 'the drizzle session still signs its user in')
        assert.equal(found.session.expires.getTime(), 4_102_444_800_000)
        const stored = await rows(location, 'SELECT "sessionToken" FROM "session"')
        assert.deepEqual(stored, [{ sessionToken: createHash('sha256').update('drizzle-raw-session').digest('hex') }])

        assert.deepEqual(await a.getAuthenticator('cred-d'), {
          credentialID: 'cred-d',
          userId,
          providerAccountId: 'cred-d',
          credentialPublicKey: 'pk',
          counter: 3,
          credentialDeviceType: 'singleDevice',
          credentialBackedUp: false,
          transports: 'usb',
        })
        assert.deepEqual((await a.listAuthenticatorsByUserId(userId)).map((p) => p.credentialID), ['cred-d', 'cred-c'], 'in the order drizzle stored them')
        assert.equal((await a.useVerificationToken({ identifier: 'dee@example.com', token: 'vt-hash' })).expires.getTime(), 4_102_444_800_001)
        assert.deepEqual(
          (await rows(location, 'SELECT "version" FROM "authlite_migrations" ORDER BY 1')).map((r) => r.version),
          POSTGRES_MIGRATIONS,
        )

        // What authlite writes, the app's own drizzle code can read.
        await a.createUser({ id: 'authlite-user', email: 'al@example.com', emailVerified: new Date(1_600_000_000_456), role: 'admin' })
        await a.createSession({ sessionToken: 'authlite-session', userId: 'authlite-user', expires: new Date(4_102_444_800_002) })
        const viaDrizzle = await dz.getUser('authlite-user')
        assert.equal(viaDrizzle.email, 'al@example.com')
        assert.equal(viaDrizzle.emailVerified.toISOString(), new Date(1_600_000_000_456).toISOString())
        const sessionViaDrizzle = await dz.getSessionAndUser(createHash('sha256').update('authlite-session').digest('hex'))
        assert.equal(sessionViaDrizzle.session.expires.toISOString(), new Date(4_102_444_800_002).toISOString())
        await dz.updateAuthenticatorCounter('cred-d', 4)
        assert.equal((await a.getAuthenticator('cred-d')).counter, 4)
      } finally {
        await client.end()
      }
    })
  }
})
