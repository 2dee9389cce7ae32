// A database made by @auth/drizzle-adapter (its default SQLite schema, written through the real
// adapter in a child process) opens in authlite with all its data, and signed-in users stay
// signed in: the adopting migration hashes the raw session tokens already there.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { SqliteAdapter } from '../index.mjs'
import { inspect, tempDbPath, unbound } from './helpers.mjs'

const writer = fileURLToPath(new URL('./fixtures/drizzle-writer.cjs', import.meta.url))
const drizzle = (...args) => execFileSync(process.execPath, [writer, ...args], { encoding: 'utf8' })

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
