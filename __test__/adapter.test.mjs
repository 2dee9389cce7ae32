// The adapter contract, method by method, driven the way @auth/core drives it: methods taken
// with Object.keys() and called unbound. Every contract test runs once per backend (SQLite,
// then PostgreSQL: see BACKENDS in helpers.mjs); what is about one backend only follows.

import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { describe, test } from 'node:test'

import { PostgresAdapter, PostgresDatabase, SqliteAdapter } from '../index.mjs'
import {
  ADAPTER_METHODS,
  adapterOf,
  BACKENDS,
  databaseName,
  forEachBackend,
  freshAdapter,
  freshDatabase,
  freshPostgresUrl,
  rows,
  tempDbPath,
  unbound,
} from './helpers.mjs'

const require = createRequire(import.meta.url)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const sha256 = (text) => createHash('sha256').update(text).digest('hex')

async function userWithEmail(a, email = `${randomUUID()}@example.com`, extra = {}) {
  return a.createUser({ id: randomUUID(), email, emailVerified: null, ...extra })
}

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


test('require() and import give the same package', () => {
  const cjs = require('../index.js')
  for (const name of ['SqliteAdapter', 'PostgresAdapter', 'openAuthDatabase', 'AuthDatabase', 'PostgresDatabase']) {
    assert.equal(typeof cjs[name], 'function', name)
  }
  assert.equal(cjs.SqliteAdapter, SqliteAdapter)
  assert.equal(cjs.PostgresAdapter, PostgresAdapter)
  assert.equal(cjs.PostgresDatabase, PostgresDatabase)
})

forEachBackend((backend) => {
  const postgres = backend !== 'sqlite'

  describe('shape', () => {
    test('a plain object whose own enumerable keys are the 19 async methods', async () => {
      const adapter = postgres ? PostgresAdapter({ url: await freshPostgresUrl(backend) }) : SqliteAdapter(':memory:')
      assert.equal(Object.getPrototypeOf(adapter), Object.prototype)
      assert.deepEqual(Object.keys(adapter).sort(), [...ADAPTER_METHODS].sort())
      for (const name of ADAPTER_METHODS) {
        assert.equal(typeof adapter[name], 'function', name)
        assert.equal(adapter[name].constructor.name, 'AsyncFunction', name)
      }
    })

    test(postgres ? 'accepts a URL string, options, or an open database' : 'accepts a path string, options, or an open database', async () => {
      const { openAuthDatabase } = require('../index.js')
      if (postgres) {
        const url = await freshPostgresUrl(backend)
        const a = unbound(PostgresAdapter(url))
        await a.createUser({ id: 'u1', email: 'p@example.com' })
        assert.equal((await unbound(PostgresAdapter({ url, poolSize: 2 })).getUser('u1')).email, 'p@example.com')
        const db = openAuthDatabase({ url })
        assert.ok(db instanceof PostgresDatabase)
        const b = unbound(PostgresAdapter(db))
        assert.equal((await b.getUser('u1')).email, 'p@example.com')
        db.close()
        return
      }
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
      const a = await freshAdapter({}, backend)
      const emailVerified = new Date('2024-02-29T12:34:56.789Z')
      const user = await a.createUser({ id: 'given-id', email: 'a@example.com', emailVerified, name: 'Ann', image: 'https://i/a.png' })
      assert.deepEqual(user, { id: 'given-id', name: 'Ann', email: 'a@example.com', emailVerified, image: 'https://i/a.png' })
      const read = await a.getUser('given-id')
      assert.ok(read.emailVerified instanceof Date)
      assert.equal(read.emailVerified.getTime(), emailVerified.getTime())
      assert.deepEqual(read, user)
    })

    test('Dates from 1970 to 9999, before 1970 and across DST changes come back exact to the millisecond', async () => {
      const a = await freshAdapter({}, backend)
      const instants = [
        '1970-01-01T00:00:00.001Z', '1969-12-31T23:59:59.999Z', '1900-01-01T00:00:00.000Z', '0001-01-01T00:00:00.000Z',
        '2024-04-06T13:59:59.999Z', '2024-04-06T14:00:00.000Z', '2024-09-28T14:00:00.000Z', // Chatham's DST ends / starts
        '2038-01-19T03:14:08.123Z', '9999-12-31T23:59:59.999Z',
      ].map((iso) => new Date(iso))
      for (const [i, when] of instants.entries()) {
        const user = await a.createUser({ id: `d${i}`, email: `d${i}@example.com`, emailVerified: when })
        assert.equal(user.emailVerified.toISOString(), when.toISOString())
        assert.equal((await a.getUser(`d${i}`)).emailVerified.toISOString(), when.toISOString())
        const session = await a.createSession({ sessionToken: `s${i}`, userId: `d${i}`, expires: when })
        assert.equal(session.expires.toISOString(), when.toISOString())
        assert.equal((await a.getSessionAndUser(`s${i}`)).session.expires.toISOString(), when.toISOString())
        await a.createVerificationToken({ identifier: `d${i}`, token: 't', expires: when })
        assert.equal((await a.useVerificationToken({ identifier: `d${i}`, token: 't' })).expires.toISOString(), when.toISOString())
      }
    })

    test('the latest Date JavaScript allows (a "never expires") comes back exact', async () => {
      const a = await freshAdapter({}, backend)
      const never = new Date(8.64e15)
      assert.deepEqual((await a.createUser({ id: 'n', email: 'n@example.com', emailVerified: never })).emailVerified, never)
      assert.deepEqual((await a.getUser('n')).emailVerified, never)
      await a.createSession({ sessionToken: 'never', userId: 'n', expires: never })
      assert.deepEqual((await a.getSessionAndUser('never')).session.expires, never)
    })

    test('createUser makes a UUID when no id is given', async () => {
      const a = await freshAdapter({}, backend)
      const user = await a.createUser({ email: 'b@example.com', emailVerified: null })
      assert.match(user.id, UUID)
      assert.deepEqual(await a.getUser(user.id), user)
    })

    test('unset values are null, not absent', async () => {
      const a = await freshAdapter({}, backend)
      const user = await a.createUser({ id: 'n', email: 'n@example.com' })
      assert.deepEqual(user, { id: 'n', name: null, email: 'n@example.com', emailVerified: null, image: null })
      assert.ok(Object.hasOwn(await a.getUser('n'), 'emailVerified'))
    })

    test('getUser, getUserByEmail and getUserByAccount resolve null when nothing matches', async () => {
      const a = await freshAdapter({}, backend)
      assert.equal(await a.getUser('missing'), null)
      assert.equal(await a.getUserByEmail('missing@example.com'), null)
      assert.equal(await a.getUserByAccount({ provider: 'github', providerAccountId: 'x' }), null)
    })

    test('getUserByEmail and getUserByAccount find the user', async () => {
      const a = await freshAdapter({}, backend)
      const user = await userWithEmail(a, 'find@example.com')
      assert.deepEqual(await a.getUserByEmail('find@example.com'), user)
      await a.linkAccount({ userId: user.id, type: 'oauth', provider: 'github', providerAccountId: '123' })
      assert.deepEqual(await a.getUserByAccount({ provider: 'github', providerAccountId: '123' }), user)
    })

    test('custom user fields are stored and come back from every read', async () => {
      const a = await freshAdapter({}, backend)
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
      const a = await freshAdapter({}, backend)
      const user = await userWithEmail(a, undefined, { birthday: new Date(Date.UTC(1990, 0, 2)), gone: undefined })
      assert.equal(user.birthday, '1990-01-02T00:00:00.000Z')
      assert.ok(!('gone' in user))
      assert.deepEqual(await a.getUser(user.id), user)
    })

    test('any Unicode text comes back as it went in: accents, emoji, U+2028, and in custom fields U+0000', async () => {
      const a = await freshAdapter({}, backend)
      const text = 'Zoë 😀 \u2028 ﷽ \u{10FFFF}'
      const user = await a.createUser({ id: text, email: `${text}@example.com`, name: text, note: `a\u0000b ${text}` })
      assert.deepEqual(await a.getUser(text), user)
      assert.equal(user.note, `a\u0000b ${text}`)
    })

    test('text holding U+0000 in a column: SQLite keeps it; PostgreSQL, whose text cannot hold it, refuses naming the field', async () => {
      const a = await freshAdapter({}, backend)
      if (postgres) {
        const refused = { code: 'AUTHLITE_INVALID_INPUT', message: 'authlite: createUser: user.name contains U+0000 (a NUL character), which PostgreSQL text cannot hold' }
        await assert.rejects(a.createUser({ id: 'nul', email: 'nul@example.com', name: 'a\u0000b' }), refused)
        assert.equal(await a.getUser('nul'), null, 'nothing was written')
        const user = await a.createUser({ id: 'nul', email: 'nul@example.com' })
        await assert.rejects(a.updateUser({ id: user.id, image: 'x\u0000' }), { code: 'AUTHLITE_INVALID_INPUT', message: /user\.image contains U\+0000/ })
        await assert.rejects(a.linkAccount({ userId: user.id, type: 'oauth', provider: 'gh', providerAccountId: '1', access_token: '\u0000' }), {
          code: 'AUTHLITE_INVALID_INPUT',
          message: /account\.access_token contains U\+0000/,
        })
        return
      }
      const user = await a.createUser({ id: 'nul', email: 'nul@example.com', name: 'a\u0000b' })
      assert.equal(user.name, 'a\u0000b')
      assert.equal((await a.getUser('nul')).name, 'a\u0000b')
    })

    test('looking up a key holding U+0000 finds nothing', async () => {
      const a = await freshAdapter({}, backend)
      const key = 'a\u0000b@example.com'
      assert.equal(await a.getUserByEmail(key), null)
      assert.equal(await a.getUser(key), null)
      assert.equal(await a.getUserByAccount({ provider: 'gh', providerAccountId: key }), null)
      assert.equal(await a.getAccount(key, 'gh'), null)
      assert.equal(await a.getSessionAndUser(key), null)
      assert.equal(await a.getAuthenticator(key), null)
      assert.equal(await a.useVerificationToken({ identifier: key, token: key }), null)
      assert.equal(await a.deleteUser(key), null)
      assert.deepEqual(await a.listAuthenticatorsByUserId(key), [])
      assert.equal(await a.unlinkAccount({ provider: 'gh', providerAccountId: key }), undefined)
      assert.equal(await a.deleteSession(key), null)
    })

    test('updateUser changes only what it is given, including custom fields, and returns the whole user', async () => {
      const a = await freshAdapter({}, backend)
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
      const a = await freshAdapter({}, backend)
      await assert.rejects(a.updateUser({ id: 'ghost', name: 'x' }), {
        code: 'AUTHLITE_NOT_FOUND',
        message: 'authlite: updateUser: no user has id "ghost"',
      })
    })

    test('duplicate email rejects with AUTHLITE_CONFLICT and writes nothing', async () => {
      const a = await freshAdapter({}, backend)
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

    test('a duplicate id rejects with AUTHLITE_CONFLICT', async () => {
      const a = await freshAdapter({}, backend)
      await a.createUser({ id: 'same', email: 'one@example.com' })
      await assert.rejects(a.createUser({ id: 'same', email: 'two@example.com' }), { code: 'AUTHLITE_CONFLICT', message: /^authlite: createUser: / })
      assert.equal(await a.getUserByEmail('two@example.com'), null)
    })

    test('deleteUser removes sessions, accounts and authenticators; deleting again is fine', async () => {
      const a = await freshAdapter({}, backend)
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
      const [{ n }] = await rows(a, 'SELECT (SELECT count(*) FROM "account" WHERE "userId" = ?) + (SELECT count(*) FROM "session" WHERE "userId" = ?) + (SELECT count(*) FROM "authenticator" WHERE "userId" = ?) AS n', [user.id, user.id, user.id])
      assert.equal(n, 0)
    })
  })

  describe('accounts', () => {
    test('linkAccount stores provider-specific fields and every read returns them', async () => {
      const a = await freshAdapter({}, backend)
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
      const a = await freshAdapter({}, backend)
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
      const a = await freshAdapter({}, backend)
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
      const a = await freshAdapter({}, backend)
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
      const a = await freshAdapter({}, backend)
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

    test('updateSession can move a session to another user', async () => {
      const a = await freshAdapter({}, backend)
      const first = await userWithEmail(a)
      const second = await userWithEmail(a)
      const expires = new Date(Date.now() + 60_000)
      await a.createSession({ sessionToken: 'moving', userId: first.id, expires })
      assert.deepEqual(await a.updateSession({ sessionToken: 'moving', userId: second.id }), { sessionToken: 'moving', userId: second.id, expires })
      assert.equal((await a.getSessionAndUser('moving')).user.id, second.id)
    })

    test('session tokens are stored as SHA-256 hex by default', async () => {
      const a = await freshAdapter({}, backend)
      const user = await userWithEmail(a)
      await a.createSession({ sessionToken: 'plain-token', userId: user.id, expires: new Date(Date.now() + 1e6) })
      const [{ sessionToken }] = await rows(a, 'SELECT "sessionToken" FROM "session"')
      assert.equal(sessionToken, sha256('plain-token'))
    })

    test('hashSessionTokens: false stores the token itself', async () => {
      const a = await freshAdapter({ hashSessionTokens: false }, backend)
      const user = await userWithEmail(a)
      await a.createSession({ sessionToken: 'plain-token', userId: user.id, expires: new Date(Date.now() + 1e6) })
      assert.deepEqual(await rows(a, 'SELECT "sessionToken" FROM "session"'), [{ sessionToken: 'plain-token' }])
      assert.equal((await a.getSessionAndUser('plain-token')).user.id, user.id)
    })

    test('a session for a missing user is rejected', async () => {
      const a = await freshAdapter({}, backend)
      await assert.rejects(a.createSession({ sessionToken: 't', userId: 'ghost', expires: new Date() }), { code: 'AUTHLITE_NOT_FOUND' })
    })
  })

  describe('verification tokens', () => {
    test('create, then use once: the second use resolves null', async () => {
      const a = await freshAdapter({}, backend)
      const token = { identifier: 'v@example.com', token: 'hashed-token', expires: new Date(Date.now() + 86400_000) }
      assert.deepEqual(await a.createVerificationToken(token), token)
      assert.deepEqual(await a.useVerificationToken({ identifier: token.identifier, token: token.token }), token)
      assert.equal(await a.useVerificationToken({ identifier: token.identifier, token: token.token }), null)
      assert.deepEqual(await rows(a, 'SELECT count(*) AS n FROM "verificationToken"'), [{ n: 0 }])
    })

    test('a token for another identifier is not used', async () => {
      const a = await freshAdapter({}, backend)
      await a.createVerificationToken({ identifier: 'a@example.com', token: 't', expires: new Date() })
      assert.equal(await a.useVerificationToken({ identifier: 'b@example.com', token: 't' }), null)
      assert.notEqual(await a.useVerificationToken({ identifier: 'a@example.com', token: 't' }), null)
    })
  })

  describe('authenticators (WebAuthn)', () => {
    test('create, get, list, update the counter', async () => {
      const a = await freshAdapter({}, backend)
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

    test('listAuthenticatorsByUserId lists in the order of registration, not of credentialID', async () => {
      const a = await freshAdapter({}, backend)
      const user = await userWithEmail(a)
      const ids = ['z-cred', 'a-cred', 'm-cred', '0-cred']
      for (const id of ids) await a.createAuthenticator(passkey(id, user.id))
      assert.deepEqual((await a.listAuthenticatorsByUserId(user.id)).map((p) => p.credentialID), ids)
    })

    test('updateAuthenticatorCounter of a missing credential rejects; a duplicate credential conflicts', async () => {
      const a = await freshAdapter({}, backend)
      await assert.rejects(a.updateAuthenticatorCounter('missing', 1), {
        code: 'AUTHLITE_NOT_FOUND',
        message: 'authlite: updateAuthenticatorCounter: no authenticator has credentialID "missing"',
      })
      const user = await userWithEmail(a)
      await a.createAuthenticator(passkey('c', user.id))
      await assert.rejects(a.createAuthenticator(passkey('c', user.id)), { code: 'AUTHLITE_CONFLICT' })
    })

    test('a counter up to 2^32 - 1 (WebAuthn\'s uint32) and an expires_at past 2038 or fractional are stored', async () => {
      const a = await freshAdapter({}, backend)
      const user = await userWithEmail(a)
      await a.createAuthenticator(passkey('wide', user.id, { counter: 2 ** 32 - 1 }))
      assert.equal((await a.getAuthenticator('wide')).counter, 2 ** 32 - 1)
      await a.linkAccount({ userId: user.id, type: 'oauth', provider: 'gh', providerAccountId: 'late', expires_at: 2 ** 31 })
      assert.equal((await a.getAccount('late', 'gh')).expires_at, 2 ** 31)
      await a.linkAccount({ userId: user.id, type: 'oauth', provider: 'gh', providerAccountId: 'frac', expires_at: 1_700_003_600.25 })
      assert.equal((await a.getAccount('frac', 'gh')).expires_at, 1_700_003_600.25)
    })
  })

  describe('persistence', () => {
    test('everything written is there after close and reopen', async () => {
      const { db, open } = await freshDatabase(backend)
      const a = unbound(adapterOf(db))
      const user = await a.createUser({ id: 'p1', email: 'persist@example.com', emailVerified: new Date(1_234_567_890_123), role: 'owner' })
      const account = await a.linkAccount({ userId: 'p1', type: 'oauth', provider: 'gh', providerAccountId: 'p', ext_expires_in: 10 })
      const session = await a.createSession({ sessionToken: 'ps', userId: 'p1', expires: new Date(4_000_000_000_000) })
      const token = await a.createVerificationToken({ identifier: 'persist@example.com', token: 'pt', expires: new Date(4_000_000_000_001) })
      const authenticator = await a.createAuthenticator(passkey('pc', 'p1'))
      db.close()
      assert.equal(db.closed, true)

      const again = open()
      const b = unbound(adapterOf(again))
      assert.deepEqual(await b.getUser('p1'), user)
      assert.deepEqual(await b.getAccount('p', 'gh'), account)
      assert.deepEqual(await b.getSessionAndUser('ps'), { session, user })
      assert.deepEqual(await b.getAuthenticator('pc'), authenticator)
      assert.deepEqual(await b.useVerificationToken({ identifier: 'persist@example.com', token: 'pt' }), token)
      again.close()
    })

    test('a closed database rejects with AUTHLITE_CLOSED', async () => {
      const { db } = postgres ? await freshDatabase(backend) : { db: require('../index.js').openAuthDatabase(':memory:') }
      const a = unbound(adapterOf(db))
      db.close()
      db.close()
      assert.equal(db.closed, true)
      await assert.rejects(a.getUser('x'), { code: 'AUTHLITE_CLOSED', message: 'authlite: getUser: the database is closed' })
      await assert.rejects(a.createUser({ email: 'x@example.com' }), { code: 'AUTHLITE_CLOSED' })
    })

    test('close() finishes the writes already queued', async () => {
      const { db } = await freshDatabase(backend)
      const a = unbound(adapterOf(db))
      const writes = Array.from({ length: 50 }, (_, i) => a.createUser({ email: `queued-${i}@example.com` }))
      db.close()
      const results = await Promise.allSettled(writes)
      assert.deepEqual(results.filter((r) => r.status === 'rejected'), [])
    })

    test('a process exiting mid-write loses none', async () => {
      const where = await freshDatabase(backend)
      // A script that fires writes without awaiting them and simply ends.
      const adapter = postgres ? 'PostgresAdapter' : 'SqliteAdapter'
      execFileSync(process.execPath, ['-e', `const { ${adapter} } = require('./index.js'); const a = ${adapter}(process.argv[1]); for (let i = 0; i < 50; i++) a.createUser({ email: 'exit-' + i + '@example.com' })`, where.path ?? where.url], { cwd: new URL('..', import.meta.url) })
      assert.deepEqual(await rows(where, `SELECT count(*) AS n FROM "user" WHERE "email" LIKE 'exit-%'`), [{ n: 50 }])
    })

    test('deleteExpired removes expired sessions and tokens only', async () => {
      const { db } = postgres ? await freshDatabase(backend) : { db: require('../index.js').openAuthDatabase(':memory:') }
      const a = unbound(adapterOf(db))
      const user = await a.createUser({ email: 'exp@example.com' })
      await a.createSession({ sessionToken: 'old', userId: user.id, expires: new Date(Date.now() - 1000) })
      await a.createSession({ sessionToken: 'new', userId: user.id, expires: new Date(Date.now() + 60_000) })
      await a.createVerificationToken({ identifier: 'x', token: 'old', expires: new Date(Date.now() - 1000) })
      await a.createVerificationToken({ identifier: 'x', token: 'new', expires: new Date(Date.now() + 60_000) })
      assert.deepEqual(await db.deleteExpired(), { sessions: 1, verificationTokens: 1 })
      assert.equal(await a.getSessionAndUser('old'), null)
      assert.notEqual(await a.getSessionAndUser('new'), null)
      assert.notEqual(await a.useVerificationToken({ identifier: 'x', token: 'new' }), null)
      assert.deepEqual(await db.deleteExpired(), { sessions: 0, verificationTokens: 0 })
      db.close()
    })
  })
}, { pooler: true })

describe('sqlite only', () => {
  test(':memory: works and keeps data for the life of the handle', async () => {
    const a = unbound(SqliteAdapter({ path: ':memory:' }))
    const user = await a.createUser({ email: 'mem@example.com' })
    assert.deepEqual(await a.getUser(user.id), user)
  })

  test('repeated SqliteAdapter calls share one open database per path instead of opening a new one each time (dev-server reloads)', { skip: process.platform !== 'linux' && 'counts threads in /proc' }, async () => {
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

describe('postgres only', { skip: !BACKENDS.includes('postgres') && 'PostgreSQL is not among the backends here' }, () => {
  test('times are stored as UTC in drizzle\'s timestamp columns whatever the server\'s TimeZone (here Pacific/Chatham)', async () => {
    const a = await freshAdapter({}, 'postgres')
    assert.deepEqual(await rows(a, 'SELECT current_setting(\'TimeZone\') AS tz'), [{ tz: 'Pacific/Chatham' }])
    const when = new Date('2024-04-06T13:59:59.999Z') // a second before Chatham leaves DST
    await a.createUser({ id: 'tz', email: 'tz@example.com', emailVerified: when })
    await a.createSession({ sessionToken: 'tz', userId: 'tz', expires: when })
    const [stored] = await rows(a, `SELECT to_char(u."emailVerified", 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS verified,
      to_char(s."expires", 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS expires, pg_typeof(s."expires")::text AS type
      FROM "user" u JOIN "session" s ON s."userId" = u."id"`)
    assert.deepEqual(stored, { verified: '2024-04-06T13:59:59.999', expires: '2024-04-06T13:59:59.999', type: 'timestamp without time zone' })
    // deleteExpired compares with the time now, not with the server's wall clock.
    await a.createSession({ sessionToken: 'soon', userId: 'tz', expires: new Date(Date.now() + 5 * 60_000) })
    await a.createSession({ sessionToken: 'just-gone', userId: 'tz', expires: new Date(Date.now() - 5 * 60_000) })
    assert.deepEqual(await a.db.deleteExpired(), { sessions: 2, verificationTokens: 0 })
    assert.notEqual(await a.getSessionAndUser('soon'), null)
  })

  test('the tables are drizzle\'s PostgreSQL schema plus authlite\'s columns and bookkeeping', async () => {
    const a = await freshAdapter({}, 'postgres')
    await a.db.ready()
    const tables = await rows(a, `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)
    assert.deepEqual(tables.map((t) => t.name), ['account', 'authenticator', 'authlite_meta', 'authlite_migrations', 'session', 'user', 'verificationToken'])
    const extra = await rows(a, `SELECT table_name AS t, column_name AS c, data_type AS type FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name LIKE 'authlite%' ORDER BY 1, 2`)
    assert.deepEqual(extra, [
      { t: 'account', c: 'authlite_extra', type: 'text' },
      { t: 'authenticator', c: 'authlite_seq', type: 'bigint' },
      { t: 'user', c: 'authlite_extra', type: 'text' },
    ])
    assert.deepEqual(await rows(a, `SELECT "value" FROM "authlite_meta" WHERE "key" = 'sessionTokens'`), [{ value: 'sha256' }])
  })

  test('repeated PostgresAdapter calls with the same options share one pool (dev-server reloads)', async () => {
    const url = await freshPostgresUrl()
    for (let i = 0; i < 20; i++) await PostgresAdapter({ url }).getUser('nobody')
    const [{ n }] = await rows({ backend: 'postgres', url }, `SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = ? AND application_name = 'authlite'`, [databaseName(url)])
    assert.equal(n, 1, 'one connection, not one per call')
  })

  test('backup() is refused with AUTHLITE_INVALID_INPUT pointing to pg_dump, and writes no file', async () => {
    const { db } = await freshDatabase('postgres')
    const destination = tempDbPath('backup.db')
    await assert.rejects(async () => db.backup(destination), { code: 'AUTHLITE_INVALID_INPUT', message: /^authlite: backup: .*pg_dump/ })
    const { existsSync } = await import('node:fs')
    assert.equal(existsSync(destination), false)
  })

  test('backup() returns a rejected promise, as documented', async () => {
    const { db } = await freshDatabase('postgres')
    let promise
    assert.doesNotThrow(() => {
      promise = db.backup(tempDbPath('backup.db'))
    })
    assert.ok(promise instanceof Promise)
    await assert.rejects(promise, { code: 'AUTHLITE_INVALID_INPUT' })
  })
})

// These need no PostgreSQL server: nothing connects.
describe('choosing the backend', () => {
  test('SqliteAdapter refuses a PostgreSQL URL or database; PostgresAdapter refuses a SQLite database', async () => {
    const { openAuthDatabase } = require('../index.js')
    const url = 'postgres://authlite:authlite@127.0.0.1:1/never-connected'
    const refused = { code: 'AUTHLITE_INVALID_INPUT', message: /PostgresAdapter/ }
    assert.throws(() => SqliteAdapter(url), refused)
    assert.throws(() => SqliteAdapter(url.replace('postgres://', 'postgresql://')), refused)
    assert.throws(() => SqliteAdapter({ url }), refused)
    const pgDb = openAuthDatabase({ url })
    assert.throws(() => SqliteAdapter(pgDb), refused)
    pgDb.close()
    const sqliteDb = openAuthDatabase(':memory:')
    assert.throws(() => PostgresAdapter(sqliteDb), { code: 'AUTHLITE_INVALID_INPUT', message: /use SqliteAdapter instead of PostgresAdapter/ })
    sqliteDb.close()
  })

  test('an unreachable server rejects AUTHLITE_UNAVAILABLE, without the password', async () => {
    const a = unbound(PostgresAdapter({ url: 'postgres://authlite:pw-SECRET-123@127.0.0.1:1/nowhere', connectTimeoutMs: 1000 }))
    await assert.rejects(a.getUser('x'), (error) => {
      assert.equal(error.code, 'AUTHLITE_UNAVAILABLE')
      assert.match(error.message, /^authlite: getUser: /)
      assert.ok(!`${error.message} ${error.stack}`.includes('SECRET'), error.message)
      return true
    })
  })
})
