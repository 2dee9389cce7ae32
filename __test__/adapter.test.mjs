// The adapter contract, method by method, driven the way @auth/core drives it: methods taken
// with Object.keys() and called unbound.

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { describe, test } from 'node:test'

import { SqliteAdapter } from '../index.mjs'
import { ADAPTER_METHODS, freshAdapter, inspect, tempDbPath, unbound } from './helpers.mjs'

const require = createRequire(import.meta.url)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

async function userWithEmail(a, email = `${randomUUID()}@example.com`, extra = {}) {
  return a.createUser({ id: randomUUID(), email, emailVerified: null, ...extra })
}

describe('shape', () => {
  test('a plain object whose own enumerable keys are the 19 async methods', () => {
    const adapter = SqliteAdapter(':memory:')
    assert.equal(Object.getPrototypeOf(adapter), Object.prototype)
    assert.deepEqual(Object.keys(adapter).sort(), [...ADAPTER_METHODS].sort())
    for (const name of ADAPTER_METHODS) {
      assert.equal(typeof adapter[name], 'function', name)
      assert.equal(adapter[name].constructor.name, 'AsyncFunction', name)
    }
  })

  test('require() and import give the same package', () => {
    const cjs = require('../index.js')
    assert.equal(typeof cjs.SqliteAdapter, 'function')
    assert.equal(typeof cjs.openAuthDatabase, 'function')
    assert.equal(cjs.SqliteAdapter, SqliteAdapter)
  })

  test('accepts a path string, options, or an open database', async () => {
    const { openAuthDatabase } = require('../index.js')
    const path = tempDbPath()
    const a = unbound(SqliteAdapter(path))
    await a.createUser({ id: 'u1', email: 'p@example.com' })
    const db = openAuthDatabase({ path })
    const b = unbound(SqliteAdapter(db))
    assert.equal((await b.getUser('u1')).email, 'p@example.com')
    db.close()
  })
})

describe('users', () => {
  test('createUser keeps the id it is given and returns Dates exact to the millisecond', async () => {
    const a = freshAdapter()
    const emailVerified = new Date('2024-02-29T12:34:56.789Z')
    const user = await a.createUser({ id: 'given-id', email: 'a@example.com', emailVerified, name: 'Ann', image: 'https://i/a.png' })
    assert.deepEqual(user, { id: 'given-id', name: 'Ann', email: 'a@example.com', emailVerified, image: 'https://i/a.png' })
    const read = await a.getUser('given-id')
    assert.ok(read.emailVerified instanceof Date)
    assert.equal(read.emailVerified.getTime(), emailVerified.getTime())
    assert.deepEqual(read, user)
  })

  test('createUser makes a UUID when no id is given', async () => {
    const a = freshAdapter()
    const user = await a.createUser({ email: 'b@example.com', emailVerified: null })
    assert.match(user.id, UUID)
    assert.deepEqual(await a.getUser(user.id), user)
  })

  test('unset values are null, not absent', async () => {
    const a = freshAdapter()
    const user = await a.createUser({ id: 'n', email: 'n@example.com' })
    assert.deepEqual(user, { id: 'n', name: null, email: 'n@example.com', emailVerified: null, image: null })
    assert.ok(Object.hasOwn(await a.getUser('n'), 'emailVerified'))
  })

  test('getUser, getUserByEmail and getUserByAccount resolve null when nothing matches', async () => {
    const a = freshAdapter()
    assert.equal(await a.getUser('missing'), null)
    assert.equal(await a.getUserByEmail('missing@example.com'), null)
    assert.equal(await a.getUserByAccount({ provider: 'github', providerAccountId: 'x' }), null)
  })

  test('getUserByEmail and getUserByAccount find the user', async () => {
    const a = freshAdapter()
    const user = await userWithEmail(a, 'find@example.com')
    assert.deepEqual(await a.getUserByEmail('find@example.com'), user)
    await a.linkAccount({ userId: user.id, type: 'oauth', provider: 'github', providerAccountId: '123' })
    assert.deepEqual(await a.getUserByAccount({ provider: 'github', providerAccountId: '123' }), user)
  })

  test('custom user fields are stored and come back from every read', async () => {
    const a = freshAdapter()
    const extra = { role: 'admin', phone: '+1 555 0100', address: { city: 'Oslo', zip: '0150' }, tags: ['a', 'b'], score: 4.5, beta: true, nothing: null }
    const user = await userWithEmail(a, 'custom@example.com', extra)
    assert.deepEqual({ ...user, id: undefined }, { id: undefined, name: null, email: 'custom@example.com', emailVerified: null, image: null, ...extra })
    assert.deepEqual(await a.getUser(user.id), user)
    assert.deepEqual(await a.getUserByEmail('custom@example.com'), user)
    await a.linkAccount({ userId: user.id, type: 'oauth', provider: 'gh', providerAccountId: '1' })
    assert.deepEqual(await a.getUserByAccount({ provider: 'gh', providerAccountId: '1' }), user)
    await a.createSession({ sessionToken: 'tok', userId: user.id, expires: new Date(Date.now() + 60_000) })
    assert.deepEqual((await a.getSessionAndUser('tok')).user, user)
  })

  test('extra fields follow JSON rules: Dates become ISO strings, undefined is left out', async () => {
    const a = freshAdapter()
    const user = await userWithEmail(a, undefined, { birthday: new Date(Date.UTC(1990, 0, 2)), gone: undefined })
    assert.equal(user.birthday, '1990-01-02T00:00:00.000Z')
    assert.ok(!('gone' in user))
    assert.deepEqual(await a.getUser(user.id), user)
  })

  test('updateUser changes only what it is given, including custom fields, and returns the whole user', async () => {
    const a = freshAdapter()
    const user = await userWithEmail(a, 'up@example.com', { role: 'user', phone: '1' })
    const verified = new Date(1_700_000_000_001)
    const updated = await a.updateUser({ id: user.id, name: 'New', emailVerified: verified, role: 'admin' })
    assert.deepEqual(updated, { ...user, name: 'New', emailVerified: verified, role: 'admin' })
    assert.deepEqual(await a.getUser(user.id), updated)
    const cleared = await a.updateUser({ id: user.id, name: null, phone: null })
    assert.equal(cleared.name, null)
    assert.equal(cleared.phone, null)
    assert.equal(cleared.role, 'admin')
    const email = await a.updateUser({ id: user.id, email: 'moved@example.com' })
    assert.equal(email.email, 'moved@example.com')
    assert.equal(await a.getUserByEmail('up@example.com'), null)
  })

  test('updateUser of a missing user rejects with AUTHLITE_NOT_FOUND', async () => {
    const a = freshAdapter()
    await assert.rejects(a.updateUser({ id: 'ghost', name: 'x' }), {
      code: 'AUTHLITE_NOT_FOUND',
      message: 'authlite: updateUser: no user has id "ghost"',
    })
  })

  test('duplicate email rejects with AUTHLITE_CONFLICT and writes nothing', async () => {
    const a = freshAdapter()
    await userWithEmail(a, 'dup@example.com')
    await assert.rejects(a.createUser({ id: 'second', email: 'dup@example.com' }), {
      code: 'AUTHLITE_CONFLICT',
      message: /^authlite: createUser: a user with email "dup@example\.com" already exists$/,
    })
    assert.equal(await a.getUser('second'), null)
    const other = await userWithEmail(a, 'other@example.com')
    await assert.rejects(a.updateUser({ id: other.id, email: 'dup@example.com', name: 'changed' }), { code: 'AUTHLITE_CONFLICT' })
    assert.equal((await a.getUser(other.id)).name, null, 'the failed update left no partial write')
  })

  test('deleteUser removes sessions, accounts and authenticators; deleting again is fine', async () => {
    const a = freshAdapter()
    const user = await userWithEmail(a)
    const keep = await userWithEmail(a)
    await a.linkAccount({ userId: user.id, type: 'oauth', provider: 'gh', providerAccountId: 'del' })
    await a.linkAccount({ userId: keep.id, type: 'oauth', provider: 'gh', providerAccountId: 'keep' })
    await a.createSession({ sessionToken: 'del-session', userId: user.id, expires: new Date(Date.now() + 1e6) })
    await a.createAuthenticator(passkey('cred-del', user.id))
    const deleted = await a.deleteUser(user.id)
    assert.deepEqual(deleted, user)
    assert.equal(await a.getUser(user.id), null)
    assert.equal(await a.getAccount('del', 'gh'), null)
    assert.equal(await a.getSessionAndUser('del-session'), null)
    assert.equal(await a.getAuthenticator('cred-del'), null)
    assert.deepEqual(await a.listAuthenticatorsByUserId(user.id), [])
    assert.notEqual(await a.getAccount('keep', 'gh'), null)
    assert.equal(await a.deleteUser(user.id), null)
    const rows = inspect(a.path, 'SELECT (SELECT count(*) FROM account WHERE userId = ?) + (SELECT count(*) FROM session WHERE userId = ?) + (SELECT count(*) FROM authenticator WHERE userId = ?) AS n', [user.id, user.id, user.id])
    assert.equal(rows[0].n, 0)
  })
})

describe('accounts', () => {
  test('linkAccount stores provider-specific fields and every read returns them', async () => {
    const a = freshAdapter()
    const user = await userWithEmail(a)
    const account = {
      userId: user.id,
      type: 'oidc',
      provider: 'microsoft-entra-id',
      providerAccountId: 'ms-1',
      access_token: 'at',
      refresh_token: 'rt',
      expires_at: 1_700_003_600,
      token_type: 'bearer',
      scope: 'openid email',
      id_token: 'idt',
      session_state: 'ss',
      ext_expires_in: 3599,
      refresh_token_expires_in: 86400,
      'not-before-policy': 0,
    }
    assert.deepEqual(await a.linkAccount(account), account)
    assert.deepEqual(await a.getAccount('ms-1', 'microsoft-entra-id'), account)
  })

  test('unset account fields read back as null', async () => {
    const a = freshAdapter()
    const user = await userWithEmail(a)
    await a.linkAccount({ userId: user.id, type: 'email', provider: 'email', providerAccountId: user.email })
    assert.deepEqual(await a.getAccount(user.email, 'email'), {
      userId: user.id,
      type: 'email',
      provider: 'email',
      providerAccountId: user.email,
      refresh_token: null,
      access_token: null,
      expires_at: null,
      token_type: null,
      scope: null,
      id_token: null,
      session_state: null,
    })
  })

  test('unlinkAccount removes the link; unlinking again resolves', async () => {
    const a = freshAdapter()
    const user = await userWithEmail(a)
    const key = { provider: 'gh', providerAccountId: 'u' }
    await a.linkAccount({ userId: user.id, type: 'oauth', ...key })
    const removed = await a.unlinkAccount(key)
    assert.equal(removed.userId, user.id)
    assert.equal(await a.getAccount('u', 'gh'), null)
    assert.equal(await a.getUserByAccount(key), null)
    assert.equal(await a.unlinkAccount(key), undefined, 'Auth.js types it AdapterAccount | undefined')
  })

  test('linking an account to a missing user or twice is rejected', async () => {
    const a = freshAdapter()
    await assert.rejects(a.linkAccount({ userId: 'ghost', type: 'oauth', provider: 'gh', providerAccountId: '1' }), {
      code: 'AUTHLITE_NOT_FOUND',
      message: /^authlite: linkAccount: userId/,
    })
    const user = await userWithEmail(a)
    await a.linkAccount({ userId: user.id, type: 'oauth', provider: 'gh', providerAccountId: '1' })
    await assert.rejects(a.linkAccount({ userId: user.id, type: 'oauth', provider: 'gh', providerAccountId: '1' }), { code: 'AUTHLITE_CONFLICT' })
  })
})

describe('sessions', () => {
  test('create, read with its user in one call, update, delete', async () => {
    const a = freshAdapter()
    const user = await userWithEmail(a, undefined, { role: 'admin' })
    const expires = new Date(Date.now() + 30 * 86400_000)
    const session = await a.createSession({ sessionToken: 'token-1', userId: user.id, expires })
    assert.deepEqual(session, { sessionToken: 'token-1', userId: user.id, expires })
    const found = await a.getSessionAndUser('token-1')
    assert.deepEqual(found, { session, user })
    assert.ok(found.session.expires instanceof Date)
    const later = new Date(expires.getTime() + 12_345)
    assert.deepEqual(await a.updateSession({ sessionToken: 'token-1', expires: later }), { ...session, expires: later })
    assert.equal((await a.getSessionAndUser('token-1')).session.expires.getTime(), later.getTime())
    assert.deepEqual(await a.deleteSession('token-1'), { ...session, expires: later })
    assert.equal(await a.getSessionAndUser('token-1'), null)
    assert.equal(await a.deleteSession('token-1'), null, 'deleting what is gone resolves')
    assert.equal(await a.updateSession({ sessionToken: 'token-1', expires: later }), null)
  })

  test('session tokens are stored as SHA-256 hex by default', async () => {
    const a = freshAdapter()
    const user = await userWithEmail(a)
    await a.createSession({ sessionToken: 'plain-token', userId: user.id, expires: new Date(Date.now() + 1e6) })
    const [{ sessionToken }] = inspect(a.path, 'SELECT sessionToken FROM session')
    const { createHash } = await import('node:crypto')
    assert.equal(sessionToken, createHash('sha256').update('plain-token').digest('hex'))
  })

  test('hashSessionTokens: false stores the token itself', async () => {
    const a = freshAdapter({ hashSessionTokens: false })
    const user = await userWithEmail(a)
    await a.createSession({ sessionToken: 'plain-token', userId: user.id, expires: new Date(Date.now() + 1e6) })
    assert.deepEqual(inspect(a.path, 'SELECT sessionToken FROM session'), [{ sessionToken: 'plain-token' }])
    assert.equal((await a.getSessionAndUser('plain-token')).user.id, user.id)
  })

  test('a session for a missing user is rejected', async () => {
    const a = freshAdapter()
    await assert.rejects(a.createSession({ sessionToken: 't', userId: 'ghost', expires: new Date() }), { code: 'AUTHLITE_NOT_FOUND' })
  })
})

describe('verification tokens', () => {
  test('create, then use once: the second use resolves null', async () => {
    const a = freshAdapter()
    const token = { identifier: 'v@example.com', token: 'hashed-token', expires: new Date(Date.now() + 86400_000) }
    assert.deepEqual(await a.createVerificationToken(token), token)
    assert.deepEqual(await a.useVerificationToken({ identifier: token.identifier, token: token.token }), token)
    assert.equal(await a.useVerificationToken({ identifier: token.identifier, token: token.token }), null)
    assert.deepEqual(inspect(a.path, 'SELECT count(*) AS n FROM verificationToken'), [{ n: 0 }])
  })

  test('a token for another identifier is not used', async () => {
    const a = freshAdapter()
    await a.createVerificationToken({ identifier: 'a@example.com', token: 't', expires: new Date() })
    assert.equal(await a.useVerificationToken({ identifier: 'b@example.com', token: 't' }), null)
    assert.notEqual(await a.useVerificationToken({ identifier: 'a@example.com', token: 't' }), null)
  })
})

function passkey(credentialID, userId, extra = {}) {
  return {
    credentialID,
    userId,
    providerAccountId: credentialID,
    credentialPublicKey: 'pQECAyYgASFYIK',
    counter: 0,
    credentialDeviceType: 'multiDevice',
    credentialBackedUp: true,
    transports: 'internal,hybrid',
    ...extra,
  }
}

describe('authenticators (WebAuthn)', () => {
  test('create, get, list, update the counter', async () => {
    const a = freshAdapter()
    const user = await userWithEmail(a)
    const first = await a.createAuthenticator(passkey('cred-1', user.id))
    assert.deepEqual(first, passkey('cred-1', user.id))
    const second = await a.createAuthenticator(passkey('cred-2', user.id, { transports: null, credentialBackedUp: false }))
    assert.deepEqual(await a.getAuthenticator('cred-1'), first)
    assert.deepEqual(await a.listAuthenticatorsByUserId(user.id), [first, second])
    assert.deepEqual(await a.listAuthenticatorsByUserId('nobody'), [])
    assert.deepEqual(await a.updateAuthenticatorCounter('cred-1', 42), { ...first, counter: 42 })
    assert.equal((await a.getAuthenticator('cred-1')).counter, 42)
    assert.equal(await a.getAuthenticator('missing'), null)
  })

  test('updateAuthenticatorCounter of a missing credential rejects; a duplicate credential conflicts', async () => {
    const a = freshAdapter()
    await assert.rejects(a.updateAuthenticatorCounter('missing', 1), {
      code: 'AUTHLITE_NOT_FOUND',
      message: 'authlite: updateAuthenticatorCounter: no authenticator has credentialID "missing"',
    })
    const user = await userWithEmail(a)
    await a.createAuthenticator(passkey('c', user.id))
    await assert.rejects(a.createAuthenticator(passkey('c', user.id)), { code: 'AUTHLITE_CONFLICT' })
  })
})

describe('persistence', () => {
  test('everything written is there after close and reopen', async () => {
    const { openAuthDatabase } = require('../index.js')
    const path = tempDbPath()
    const db = openAuthDatabase(path)
    const a = unbound(SqliteAdapter(db))
    const user = await a.createUser({ id: 'p1', email: 'persist@example.com', emailVerified: new Date(1_234_567_890_123), role: 'owner' })
    const account = await a.linkAccount({ userId: 'p1', type: 'oauth', provider: 'gh', providerAccountId: 'p', ext_expires_in: 10 })
    const session = await a.createSession({ sessionToken: 'ps', userId: 'p1', expires: new Date(4_000_000_000_000) })
    const token = await a.createVerificationToken({ identifier: 'persist@example.com', token: 'pt', expires: new Date(4_000_000_000_001) })
    const authenticator = await a.createAuthenticator(passkey('pc', 'p1'))
    db.close()
    assert.equal(db.closed, true)

    const b = unbound(SqliteAdapter(path))
    assert.deepEqual(await b.getUser('p1'), user)
    assert.deepEqual(await b.getAccount('p', 'gh'), account)
    assert.deepEqual(await b.getSessionAndUser('ps'), { session, user })
    assert.deepEqual(await b.getAuthenticator('pc'), authenticator)
    assert.deepEqual(await b.useVerificationToken({ identifier: 'persist@example.com', token: 'pt' }), token)
  })

  test('a closed database rejects with AUTHLITE_CLOSED', async () => {
    const { openAuthDatabase } = require('../index.js')
    const db = openAuthDatabase(':memory:')
    const a = unbound(SqliteAdapter(db))
    db.close()
    db.close()
    await assert.rejects(a.getUser('x'), { code: 'AUTHLITE_CLOSED', message: 'authlite: getUser: the database is closed' })
    await assert.rejects(a.createUser({ email: 'x@example.com' }), { code: 'AUTHLITE_CLOSED' })
  })

  test('close() finishes the writes already queued; a process exiting mid-write loses none', async () => {
    const { openAuthDatabase } = require('../index.js')
    const { execFileSync } = await import('node:child_process')
    const path = tempDbPath()
    const db = openAuthDatabase(path)
    const a = unbound(SqliteAdapter(db))
    const writes = Array.from({ length: 50 }, (_, i) => a.createUser({ email: `queued-${i}@example.com` }))
    db.close()
    const results = await Promise.allSettled(writes)
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), [])
    // A script that fires writes without awaiting them and simply ends.
    execFileSync(process.execPath, ['-e', `const { SqliteAdapter } = require('./index.js'); const a = SqliteAdapter(process.argv[1]); for (let i = 0; i < 50; i++) a.createUser({ email: 'exit-' + i + '@example.com' })`, path], { cwd: new URL('..', import.meta.url) })
    assert.deepEqual(inspect(path, "SELECT count(*) AS n FROM user WHERE email LIKE 'queued-%' OR email LIKE 'exit-%'"), [{ n: 100 }])
  })

  test(':memory: works and keeps data for the life of the handle', async () => {
    const a = unbound(SqliteAdapter({ path: ':memory:' }))
    const user = await a.createUser({ email: 'mem@example.com' })
    assert.deepEqual(await a.getUser(user.id), user)
  })

  test('deleteExpired removes expired sessions and tokens only', async () => {
    const { openAuthDatabase } = require('../index.js')
    const db = openAuthDatabase(':memory:')
    const a = unbound(SqliteAdapter(db))
    const user = await a.createUser({ email: 'exp@example.com' })
    await a.createSession({ sessionToken: 'old', userId: user.id, expires: new Date(Date.now() - 1000) })
    await a.createSession({ sessionToken: 'new', userId: user.id, expires: new Date(Date.now() + 60_000) })
    await a.createVerificationToken({ identifier: 'x', token: 'old', expires: new Date(Date.now() - 1000) })
    assert.deepEqual(await db.deleteExpired(), { sessions: 1, verificationTokens: 1 })
    assert.equal(await a.getSessionAndUser('old'), null)
    assert.notEqual(await a.getSessionAndUser('new'), null)
    db.close()
  })
})

describe('repeated SqliteAdapter calls (dev-server reloads)', () => {
  test('share one open database per path instead of opening a new one each time', { skip: process.platform !== 'linux' && 'counts threads in /proc' }, async () => {
    const { execFileSync } = await import('node:child_process')
    const path = tempDbPath()
    const script = `
      const { readdirSync } = require('node:fs')
      const { SqliteAdapter } = require('./index.js')
      const threads = () => readdirSync('/proc/self/task').length
      SqliteAdapter(process.argv[1])
      const before = threads()
      const adapters = Array.from({ length: 20 }, () => SqliteAdapter(process.argv[1]))
      const memory = Array.from({ length: 3 }, () => SqliteAdapter(':memory:'))
      console.log(JSON.stringify({ before, after: threads(), adapters: adapters.length + memory.length }))
    `
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script, path], { cwd: new URL('..', import.meta.url), encoding: 'utf8' }))
    assert.equal(out.after - out.before, 3, 'no new writer thread for the 20 file adapters; one each for the 3 in-memory ones')
  })
})
