// Fuzz: every adapter method called unbound with generated arguments from a fixed seed
// (FUZZ_CASES, default 3,000; FUZZ_SEED, default 1): huge strings, invalid dates, deep and
// cyclic objects, __proto__ keys, BigInt, symbols, functions, Proxies with throwing traps, and
// argument objects of the right shape with one field replaced. The process never crashes, every
// call resolves or rejects with an authlite error code, the good data stored beforehand is
// unchanged, every stored session token is a SHA-256 hex digest, and the database checks out
// afterwards (SQLite: PRAGMA integrity_check; PostgreSQL: amcheck on the indexes, no orphan
// rows). On each backend, from the same seed.

import assert from 'node:assert/strict'
import { test } from 'node:test'

import { forEachBackend, freshAdapter, integrity, rows } from './helpers.mjs'

const CASES = Number(process.env.FUZZ_CASES ?? 3000)
const SEED = Number(process.env.FUZZ_SEED ?? 1)

function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const METHODS = {
  createUser: ['user'], getUser: ['key'], getUserByEmail: ['key'], getUserByAccount: ['accountKey'],
  updateUser: ['userPatch'], deleteUser: ['key'], linkAccount: ['account'], unlinkAccount: ['accountKey'],
  createSession: ['session'], getSessionAndUser: ['key'], updateSession: ['sessionPatch'], deleteSession: ['key'],
  createVerificationToken: ['token'], useVerificationToken: ['tokenKey'], getAccount: ['key', 'key'],
  createAuthenticator: ['authenticator'], getAuthenticator: ['key'], listAuthenticatorsByUserId: ['key'],
  updateAuthenticatorCounter: ['key', 'counter'],
}

function generator(random) {
  const pick = (list) => list[Math.floor(random() * list.length)]
  const int = (n) => Math.floor(random() * n)
  const word = () => `fz-${int(50)}` // a small pool, so calls find what others created
  const throwing = () => { throw new Error(`trap ${int(1000)}`) }
  const deep = (depth) => { let o = {}; const root = o; for (let i = 0; i < depth; i++) o = o.next = {}; return root }
  const cyclic = () => { const o = { a: 1 }; o.self = o; return o }
  const scalars = [
    () => undefined, () => null, () => true, () => false, () => 0, () => -0, () => NaN, () => Infinity, () => -1,
    () => 1e308, () => 2 ** 53 + 1, () => 1.5, () => 10n ** 30n, () => Symbol('s'), () => function f() {}, () => '',
    word, () => `${word()}@example.com`, () => 'é😀\u0000\u2028'.repeat(int(5) + 1), () => 'x'.repeat(int(3) ? 2000 : 2_000_000),
    () => new Date(), () => new Date(NaN), () => new Date(8.64e15 + 1), () => new Date(-8.64e15),
  ]
  const objects = [
    () => [], () => [1, 2, word()], () => ({}), () => JSON.parse('{"__proto__":{"isAdmin":true},"role":"x"}'),
    () => ({ constructor: 'c', toString: 'nope', valueOf: 1 }), () => deep(int(2) ? 50 : 20_000), cyclic,
    () => new Proxy({}, { get: throwing, ownKeys: throwing, getOwnPropertyDescriptor: throwing, has: throwing }),
    () => new Proxy({ email: 'p@example.com' }, { ownKeys: throwing }),
    () => Object.defineProperty({ email: `${word()}@example.com` }, 'role', { enumerable: true, get: throwing }),
    () => ({ email: `${word()}@example.com`, prefs: { toJSON: throwing } }), () => ({ n: 10n }),
    () => Object.create(null), () => new Map([[1, 2]]), () => Promise.resolve(1),
  ]
  const any = () => (random() < 0.5 ? pick(scalars)() : pick(objects)())
  const shapes = {
    key: word,
    counter: () => int(1000),
    user: () => ({ id: word(), email: `${word()}@example.com`, name: 'N', emailVerified: null, image: null, role: 'r' }),
    userPatch: () => ({ id: word(), name: `n${int(9)}`, email: `${word()}@example.com` }),
    account: () => ({ userId: word(), type: 'oauth', provider: 'github', providerAccountId: word(), access_token: 't', expires_at: 1e9, extra: { a: 1 } }),
    accountKey: () => ({ provider: 'github', providerAccountId: word() }),
    session: () => ({ sessionToken: word(), userId: word(), expires: new Date(Date.now() + 1e6) }),
    sessionPatch: () => ({ sessionToken: word(), expires: new Date(Date.now() + 2e6) }),
    token: () => ({ identifier: `${word()}@example.com`, token: word(), expires: new Date(Date.now() + 1e6) }),
    tokenKey: () => ({ identifier: `${word()}@example.com`, token: word() }),
    authenticator: () => ({ credentialID: word(), userId: word(), providerAccountId: word(), credentialPublicKey: 'pk', counter: 0, credentialDeviceType: 'singleDevice', credentialBackedUp: false, transports: null }),
  }
  /** A well-shaped argument, a well-shaped one with one field replaced, or anything at all. */
  return (kind) => {
    const r = random()
    if (r < 0.35) return shapes[kind]()
    if (r < 0.75 && typeof shapes[kind]() === 'object') {
      const arg = shapes[kind]()
      const keys = Object.keys(arg)
      arg[random() < 0.8 ? pick(keys) : `extra${int(3)}`] = any()
      return arg
    }
    return any()
  }
}

forEachBackend((backend) => {
  test(`fuzz: ${CASES} calls from seed ${SEED}`, async () => {
    const a = await freshAdapter({}, backend)
    // The good data: keys the fuzzer never generates.
    const good = { id: 'good-user', email: 'good@example.com', name: 'Good', role: 'admin' }
    await a.createUser(good)
    await a.linkAccount({ userId: 'good-user', type: 'oauth', provider: 'github', providerAccountId: 'good-account', access_token: 'good-token' })
    await a.createSession({ sessionToken: 'good-session', userId: 'good-user', expires: new Date(Date.UTC(2100, 0, 1)) })
    await a.createVerificationToken({ identifier: 'good@example.com', token: 'good-token', expires: new Date(Date.UTC(2100, 0, 1)) })
    const snapshot = async () => JSON.stringify([
      await a.getUser('good-user'), await a.getAccount('good-account', 'github'), await a.getSessionAndUser('good-session'),
    ])
    const before = await snapshot()

    const random = prng(SEED)
    const arg = generator(random)
    const names = Object.keys(METHODS)
    const codes = new Map()
    let resolved = 0
    for (let i = 0; i < CASES; i++) {
      const method = names[Math.floor(random() * names.length)]
      const args = METHODS[method].map((kind) => arg(kind))
      if (random() < 0.05) args.pop() // a missing argument
      let outcome
      try {
        outcome = await a[method](...args)
        resolved++
      } catch (error) {
        const code = error?.code
        assert.match(String(code), /^AUTHLITE_/, `case ${i}: ${method} rejected without an authlite code: ${error?.stack ?? error}`)
        assert.match(error.message, new RegExp(`^authlite: ${method}: `), `case ${i}: ${error.message}`)
        codes.set(code, (codes.get(code) ?? 0) + 1)
      }
      void outcome
    }
    assert.equal(await snapshot(), before, 'the good data is unchanged')
    assert.equal((await a.useVerificationToken({ identifier: 'good@example.com', token: 'good-token' }))?.token, 'good-token')
    assert.equal(await integrity(a), 'ok')
    const tokens = await rows(a, 'SELECT "sessionToken" FROM "session"')
    assert.ok(tokens.length > 1, `${tokens.length} sessions stored`)
    for (const { sessionToken } of tokens) assert.match(sessionToken, /^[0-9a-f]{64}$/)
    assert.ok(resolved > CASES / 10 && codes.get('AUTHLITE_INVALID_INPUT') > CASES / 10, `resolved ${resolved}, rejected ${JSON.stringify([...codes])}`)
    console.log(`fuzz (${backend}): ${CASES} cases from seed ${SEED}: ${resolved} resolved, rejected ${JSON.stringify(Object.fromEntries(codes))}`)
  })
})
