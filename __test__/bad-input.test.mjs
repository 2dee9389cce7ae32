// Bad input: every case rejects (never throws synchronously) with an Error whose message
// names the method and the field and whose code is stable, and writes nothing. On each backend.

import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { inspect } from 'node:util'

import { openAuthDatabase, PostgresAdapter, SqliteAdapter } from '../index.mjs'
import { execSql, forEachBackend, freshAdapter, freshPostgresUrl, rows, tempDbPath } from './helpers.mjs'

const INVALID = 'AUTHLITE_INVALID_INPUT'
const soon = () => new Date(Date.now() + 60_000)

// [method, arguments, expected message]
const CASES = [
  ['createUser', [null], 'authlite: createUser: user must be an object, got null'],
  ['createUser', ['a@example.com'], 'authlite: createUser: user must be an object, got a string'],
  ['createUser', [[]], 'authlite: createUser: user must be an object, got an array'],
  ['createUser', [{ id: 42, email: 'x@example.com' }], 'authlite: createUser: user.id must be a string, got a number'],
  ['createUser', [{ id: '', email: 'x@example.com' }], 'authlite: createUser: user.id must be a non-empty string'],
  ['createUser', [{ email: 7 }], 'authlite: createUser: user.email must be a string, got a number'],
  ['createUser', [{ email: 'x@example.com', emailVerified: '2024-01-01' }], 'authlite: createUser: user.emailVerified must be a Date, got a string'],
  ['createUser', [{ email: 'x@example.com', emailVerified: new Date(NaN) }], 'authlite: createUser: user.emailVerified is an invalid Date'],
  ['createUser', [{ email: 'x@example.com', name: {} }], 'authlite: createUser: user.name must be a string, got an object'],
  ['createUser', [{ email: 'x@example.com', big: 10n }], /^authlite: createUser: user has a field that cannot be stored as JSON: .*BigInt/],
  ['getUser', [], 'authlite: getUser: id must be a string, got undefined'],
  ['getUser', [null], 'authlite: getUser: id must be a string, got null'],
  ['getUserByEmail', [{}], 'authlite: getUserByEmail: email must be a string, got an object'],
  ['getUserByAccount', [{ provider: 'github' }], 'authlite: getUserByAccount: account.providerAccountId must be a string, got undefined'],
  ['updateUser', [{ name: 'x' }], 'authlite: updateUser: user.id must be a string, got undefined'],
  ['updateUser', [{ id: 'u', emailVerified: new Date('nope') }], 'authlite: updateUser: user.emailVerified is an invalid Date'],
  ['deleteUser', [undefined], 'authlite: deleteUser: userId must be a string, got undefined'],
  ['linkAccount', [{ userId: 'u', provider: 'gh', providerAccountId: '1' }], 'authlite: linkAccount: account.type must be a string, got undefined'],
  ['linkAccount', [{ userId: 'u', type: 'oauth', provider: 'gh', providerAccountId: '1', expires_at: '3600' }], 'authlite: linkAccount: account.expires_at must be a number, got a string'],
  ['linkAccount', [{ userId: 'u', type: 'oauth', provider: 'gh', providerAccountId: '1', expires_at: Infinity }], 'authlite: linkAccount: account.expires_at must be a finite number, got inf'],
  ['unlinkAccount', [null], 'authlite: unlinkAccount: account must be an object, got null'],
  ['createSession', [{ sessionToken: 't', userId: 'u' }], 'authlite: createSession: session.expires must be a Date, got undefined'],
  ['createSession', [{ sessionToken: 't', userId: 'u', expires: Date.now() }], 'authlite: createSession: session.expires must be a Date, got a number'],
  ['createSession', [{ userId: 'u', expires: soon() }], 'authlite: createSession: session.sessionToken must be a string, got undefined'],
  ['getSessionAndUser', [123], 'authlite: getSessionAndUser: sessionToken must be a string, got a number'],
  ['updateSession', [{ sessionToken: 't', expires: null }], 'authlite: updateSession: session.expires must be a Date, got null'],
  ['updateSession', [{ expires: soon() }], 'authlite: updateSession: session.sessionToken must be a string, got undefined'],
  ['deleteSession', [null], 'authlite: deleteSession: sessionToken must be a string, got null'],
  ['createVerificationToken', [{ identifier: 'a', token: 't', expires: new Date(NaN) }], 'authlite: createVerificationToken: verificationToken.expires is an invalid Date'],
  ['createVerificationToken', [{ identifier: 'a', expires: soon() }], 'authlite: createVerificationToken: verificationToken.token must be a string, got undefined'],
  ['useVerificationToken', [{ identifier: 'a' }], 'authlite: useVerificationToken: params.token must be a string, got undefined'],
  ['getAccount', ['1'], 'authlite: getAccount: provider must be a string, got undefined'],
  ['createAuthenticator', [{ credentialID: 'c', userId: 'u', providerAccountId: 'c', credentialPublicKey: 'k', counter: -1, credentialDeviceType: 'singleDevice', credentialBackedUp: false }], 'authlite: createAuthenticator: authenticator.counter must be a non-negative integer, got -1'],
  ['createAuthenticator', [{ credentialID: 'c', userId: 'u', providerAccountId: 'c', credentialPublicKey: 'k', counter: 0, credentialDeviceType: 'singleDevice', credentialBackedUp: 'yes' }], 'authlite: createAuthenticator: authenticator.credentialBackedUp must be a boolean, got a string'],
  ['getAuthenticator', [Symbol('x')], 'authlite: getAuthenticator: credentialID must be a string, got a symbol'],
  ['listAuthenticatorsByUserId', [null], 'authlite: listAuthenticatorsByUserId: userId must be a string, got null'],
  ['updateAuthenticatorCounter', ['c', 1.5], 'authlite: updateAuthenticatorCounter: newCounter must be a non-negative integer, got 1.5'],
  ['updateAuthenticatorCounter', ['c', '2'], 'authlite: updateAuthenticatorCounter: newCounter must be a number, got a string'],
]

forEachBackend((backend) => {
  describe('bad input rejects with the method, the field and a stable code', () => {
    let a
    before(async () => {
      a = await freshAdapter({}, backend)
    })
    for (const [method, args, message] of CASES) {
      test(`${method}(${args.map((v) => inspect(v, { breakLength: Infinity })).join(', ')})`, async () => {
        let promise
        assert.doesNotThrow(() => {
          promise = a[method](...args)
        }, 'never throws synchronously')
        assert.ok(promise instanceof Promise)
        await assert.rejects(promise, (err) => {
          assert.ok(err instanceof Error)
          assert.equal(err.code, INVALID)
          if (message instanceof RegExp) assert.match(err.message, message)
          else assert.equal(err.message, message)
          return true
        })
      })
    }

    test('nothing was written by any of them', async () => {
      await a.db?.ready() // PostgreSQL: none of them connected, so the tables are made now
      const [row] = await rows(a, 'SELECT (SELECT count(*) FROM "user") + (SELECT count(*) FROM "account") + (SELECT count(*) FROM "session") + (SELECT count(*) FROM "verificationToken") + (SELECT count(*) FROM "authenticator") AS n')
      assert.equal(row.n, 0)
    })
  })

  describe('hostile input', () => {
    test('a throwing getter or Proxy trap rejects with an authlite error naming what was read', async () => {
      const a = await freshAdapter({}, backend)
      const getter = { email: 'g@example.com' }
      Object.defineProperty(getter, 'role', { enumerable: true, get: () => { throw new Error('getter exploded') } })
      await assert.rejects(a.createUser(getter), { code: INVALID, message: 'authlite: createUser: reading user.role failed: getter exploded' })
      const trap = new Proxy({}, { ownKeys: () => { throw new Error('trap exploded') } })
      await assert.rejects(a.createUser(trap), { code: INVALID, message: 'authlite: createUser: reading user failed: trap exploded' })
      const throwingToJSON = { email: 't@example.com', prefs: { toJSON: () => { throw new Error('toJSON exploded') } } }
      await assert.rejects(a.createUser(throwingToJSON), { code: INVALID, message: /^authlite: createUser: user has a field that cannot be stored as JSON: .*toJSON exploded/ })
      assert.equal(await a.getUserByEmail('t@example.com'), null)
    })

    test('a __proto__ field never becomes a prototype, going in or coming out', async () => {
      const a = await freshAdapter({}, backend)
      const user = await a.createUser(JSON.parse('{"email":"p@example.com","role":"user","__proto__":{"isAdmin":true}}'))
      assert.equal(Object.getPrototypeOf(user), Object.prototype)
      assert.equal(user.isAdmin, undefined)
      assert.equal(user.role, 'user')
      await execSql(a, `UPDATE "user" SET "authlite_extra" = '{"__proto__":{"isAdmin":true},"role":"user"}'`)
      const read = await a.getUser(user.id)
      assert.equal(Object.getPrototypeOf(read), Object.prototype)
      assert.equal(read.isAdmin, undefined)
      assert.equal(read.role, 'user')
    })
  })

  test('the direct handle reports misuse too', async () => {
    const db = backend === 'postgres' ? openAuthDatabase({ url: await freshPostgresUrl() }) : openAuthDatabase(':memory:')
    assert.throws(() => db.getUser(1), { code: INVALID, message: 'authlite: getUser: id must be a string, got a number' })
    db.close()
  })
})

describe('options (SQLite)', () => {
  test('a misspelled option is named, with the right spelling', () => {
    assert.throws(() => SqliteAdapter({ path: ':memory:', hashSessionToken: false }), {
      code: INVALID,
      message: 'authlite: open: unknown option "hashSessionToken"; did you mean "hashSessionTokens"?',
    })
  })

  test('an option of the wrong type is named', () => {
    assert.throws(() => SqliteAdapter({ path: ':memory:', busyTimeoutMs: '5s' }), {
      code: INVALID,
      message: 'authlite: open: options.busyTimeoutMs must be a number, got a string',
    })
    assert.throws(() => SqliteAdapter(42), { message: 'authlite: open: options must be an object, got a number' })
  })

  test('a missing directory is reported as such', () => {
    const path = tempDbPath().replace(/auth\.db$/, 'no-such-dir/auth.db')
    assert.throws(() => SqliteAdapter(path), {
      code: 'AUTHLITE_DATABASE',
      message: /^authlite: open: cannot open database ".*no-such-dir[\\/]+auth\.db" because the directory .*no-such-dir does not exist$/,
    })
  })

  test('a file that is not a database is reported', async () => {
    const { writeFileSync } = await import('node:fs')
    const path = tempDbPath('not-a-db.txt')
    writeFileSync(path, 'hello, this is not sqlite '.repeat(100))
    assert.throws(() => SqliteAdapter(path), { code: 'AUTHLITE_DATABASE', message: /^authlite: open: .*not a database/ })
  })
})

// No PostgreSQL server is needed: options are checked before anything connects.
describe('options (PostgreSQL)', () => {
  const url = 'postgres://authlite:pw-SECRET@127.0.0.1:5432/auth'

  test("the SQLite backend's options are refused, naming the option", () => {
    for (const [name, value] of [['path', './auth.db'], ['busyTimeoutMs', 1000], ['synchronous', 'full']]) {
      const message = `authlite: open: options.${name} is an option of the SQLite backend; a PostgreSQL database (options.url) does not take it`
      assert.throws(() => PostgresAdapter({ url, [name]: value }), { code: INVALID, message })
      assert.throws(() => openAuthDatabase({ url, [name]: value }), { code: INVALID, message })
    }
  })

  test('a misspelled option is named, with the right spelling', () => {
    assert.throws(() => PostgresAdapter({ url, hashSessionToken: false }), {
      code: INVALID,
      message: 'authlite: open: unknown option "hashSessionToken"; did you mean "hashSessionTokens"?',
    })
  })

  test('options of the wrong type or range are named; the URL is never echoed', () => {
    for (const [options, message] of [
      [{ url, hashSessionTokens: 'yes' }, /options\.hashSessionTokens must be a boolean/],
      [{ url, poolSize: 0 }, /options\.poolSize must be from 1 to/],
      [{ url, connectTimeoutMs: '5s' }, /options\.connectTimeoutMs must be a number/],
      [{ url, cleanupIntervalMs: 5 }, /options\.cleanupIntervalMs/],
      [{ url, ca: 'not a certificate' }, /options\.ca/],
      [{ url: 42 }, /options\.url must be a string/],
      [{ url: undefined }, /options\.url is required: the PostgreSQL URL, e\.g\. process\.env\.DATABASE_URL/],
      [{ url: `${url}?sslmode=sometimes` }, /sslmode must be disable, prefer, require, verify-ca or verify-full/],
      [{ url: 'mysql://authlite:pw-SECRET@127.0.0.1/auth' }, /options\.url/],
    ]) {
      assert.throws(() => openAuthDatabase(options), (error) => {
        assert.equal(error.code, INVALID, error.message)
        assert.match(error.message, message)
        assert.match(error.message, /^authlite: open: /)
        assert.ok(!error.message.includes('SECRET'), error.message)
        return true
      })
    }
  })
})

