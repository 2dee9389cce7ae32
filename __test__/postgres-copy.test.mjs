// `authlite copy <sqlite-file> <postgres-url>` (issue 9): a SQLite database written through the
// adapter and real Auth() sign-ins is copied by the command line, then read back through
// PostgresAdapter equal, row by row, and the browser's session cookie still signs in.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import pg from 'pg'

import { PostgresAdapter, SqliteAdapter } from '../index.mjs'
import { postgresAvailable, startCluster } from '../scripts/postgres-cluster.mjs'
import { AuthClient, emailProvider, ORIGIN } from './auth-client.mjs'
import { cli, tempDbPath, unbound } from './helpers.mjs'

const KEY = 'copy-test-encryption-key-0123456789abcdef'
const required = process.env.AUTHLITE_REQUIRE_POSTGRES === '1'
const skip = !postgresAvailable() && !required && 'PostgreSQL 15 is not installed (apt-get install postgresql)'

function authConfig(adapter, links) {
  return {
    adapter,
    providers: [emailProvider((link) => links.push(link))],
    secret: 'a-test-secret-that-is-long-enough-0123456789',
    trustHost: true,
    basePath: '/auth',
    session: { strategy: 'database' },
    logger: { error() {}, warn() {}, debug() {} },
  }
}

async function emailSignIn(browser, links, email) {
  await browser.post('/auth/signin/email', { email, callbackUrl: `${ORIGIN}/dashboard` })
  const callback = await browser.request(links.at(-1).url)
  assert.equal(callback.status, 302)
}

describe('authlite copy', { skip }, () => {
  let cluster
  const file = tempDbPath()
  const sqlite = unbound(SqliteAdapter({ path: file, encryptionKey: KEY }))
  const links = []
  const browser = new AuthClient(authConfig(sqlite, links))
  const users = []

  before(async () => {
    assert.ok(postgresAvailable(), 'PostgreSQL 15 is required (AUTHLITE_REQUIRE_POSTGRES=1)')
    cluster = await startCluster()
    // What a running app leaves in its file: sign-ins through Auth(), OAuth accounts with
    // encrypted tokens and custom fields, passkeys, a pending magic link, an expired session.
    await emailSignIn(browser, links, 'signed.in@example.com')
    for (let i = 0; i < 1500; i++) {
      users.push(
        await sqlite.createUser({
          id: `user-${i}`,
          email: `user${i}@example.com`,
          name: i % 3 ? `User ${i}` : null,
          emailVerified: i % 2 ? new Date(1_700_000_000_000 + i) : null,
          image: null,
          role: i % 5 === 0 ? 'admin' : 'member',
          prefs: { theme: 'dark', n: i },
        }),
      )
      await sqlite.createSession({ sessionToken: `token-${i}`, userId: `user-${i}`, expires: new Date(1_800_000_000_000 + i) })
    }
    await sqlite.createSession({ sessionToken: 'expired', userId: 'user-1', expires: new Date(1_000_000_000_000) })
    await sqlite.linkAccount({
      userId: 'user-1',
      type: 'oauth',
      provider: 'github',
      providerAccountId: '4242',
      access_token: 'gho_secret_access',
      refresh_token: 'ghr_secret_refresh',
      id_token: null,
      expires_at: 1_700_003_600,
      token_type: 'bearer',
      scope: 'read:user',
      session_state: null,
      login: 'octocat',
    })
    await sqlite.createAuthenticator({
      credentialID: 'cred-b',
      userId: 'user-2',
      providerAccountId: 'cred-b',
      credentialPublicKey: 'pk-b',
      counter: 7,
      credentialDeviceType: 'multiDevice',
      credentialBackedUp: true,
      transports: 'internal,hybrid',
    })
    await sqlite.createAuthenticator({
      credentialID: 'cred-a',
      userId: 'user-2',
      providerAccountId: 'cred-a',
      credentialPublicKey: 'pk-a',
      counter: 0,
      credentialDeviceType: 'singleDevice',
      credentialBackedUp: false,
      transports: null,
    })
    await sqlite.createVerificationToken({ identifier: 'pending@example.com', token: 'hashed-link', expires: new Date(1_800_000_000_000) })
  })

  after(async () => {
    await cluster?.stop()
  })

  test('copies everything in one run, row for row, and the session cookie still signs in', async () => {
    const url = await cluster.createDatabase()
    const copied = await cli('copy', file, url)
    assert.equal(copied.code, 0, copied.stderr)
    assert.match(copied.stdout, /^copied 1501 users, 1 accounts, 1502 sessions, 1 verification tokens and 2 passkeys in [\d.]+ s\n$/)
    assert.match(copied.stderr, /copying user: 1501\/1501/)

    const postgres = unbound(PostgresAdapter({ url, encryptionKey: KEY }))
    for (const user of users) {
      assert.deepEqual(await postgres.getUser(user.id), await sqlite.getUser(user.id))
      const token = `token-${user.id.slice(5)}`
      assert.deepEqual(await postgres.getSessionAndUser(token), await sqlite.getSessionAndUser(token))
    }
    assert.deepEqual(await postgres.getSessionAndUser('expired'), await sqlite.getSessionAndUser('expired'))
    assert.deepEqual(await postgres.getAccount('4242', 'github'), await sqlite.getAccount('4242', 'github'))
    assert.equal((await postgres.getAccount('4242', 'github')).access_token, 'gho_secret_access')
    assert.deepEqual(
      await postgres.getUserByAccount({ provider: 'github', providerAccountId: '4242' }),
      await sqlite.getUserByAccount({ provider: 'github', providerAccountId: '4242' }),
    )
    assert.deepEqual(await postgres.listAuthenticatorsByUserId('user-2'), await sqlite.listAuthenticatorsByUserId('user-2'))
    assert.deepEqual(
      (await postgres.listAuthenticatorsByUserId('user-2')).map((a) => a.credentialID),
      ['cred-b', 'cred-a'],
      'passkeys keep the order they were registered in',
    )

    // Nothing secret went over in the clear: the tokens are still sealed, the session keys hashed.
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const { rows } = await client.query(`SELECT access_token, refresh_token FROM "account"`)
      assert.match(rows[0].access_token, /^authlite:enc:v1:/)
      assert.match(rows[0].refresh_token, /^authlite:enc:v1:/)
      const raw = await client.query(`SELECT count(*)::int AS n FROM "session" WHERE "sessionToken" LIKE 'token-%'`)
      assert.equal(raw.rows[0].n, 0, 'session tokens are stored as hashes')
    } finally {
      await client.end()
    }

    // The browser signed in on SQLite is still signed in with PostgreSQL behind Auth().
    const before = await browser.session()
    assert.equal(before.user.email, 'signed.in@example.com')
    const moved = new AuthClient(authConfig(postgres, links))
    moved.cookies = new Map(browser.cookies)
    const after = await moved.session()
    assert.equal(after.user.email, 'signed.in@example.com')
    assert.equal(after.user.id, before.user.id)
    // And the magic link still pending on SQLite is used up once, on PostgreSQL.
    assert.ok(await postgres.useVerificationToken({ identifier: 'pending@example.com', token: 'hashed-link' }))
    assert.equal(await postgres.useVerificationToken({ identifier: 'pending@example.com', token: 'hashed-link' }), null)
  })

  test('refuses a database that already holds auth rows unless --merge, which adds only what is missing', async () => {
    const url = await cluster.createDatabase()
    const postgres = unbound(PostgresAdapter({ url }))
    await postgres.createUser({ id: 'someone-else', email: 'else@example.com', emailVerified: null })

    const refused = await cli('copy', file, url)
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /already holds 1 auth rows; copy into an empty database, or pass --merge/)
    assert.match(refused.stderr, /AUTHLITE_INVALID_INPUT/)
    assert.equal(await postgres.getUser('user-1'), null, 'nothing was written')

    const merged = await cli('copy', file, url, '--merge')
    assert.equal(merged.code, 0, merged.stderr)
    assert.match(merged.stdout, /^copied 1501 users/)
    const again = await cli('copy', file, url, '--merge')
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stdout, /^copied 0 users, 0 accounts, 0 sessions, 0 verification tokens and 0 passkeys .* \(3007 rows were already there and were kept\)/)
    assert.ok(await postgres.getUser('someone-else'), 'the rows that were there are kept')
  })

  test('a raw-token SQLite file (hashSessionTokens: false) is hashed on the way, so its cookies keep working', async () => {
    const rawFile = tempDbPath()
    const raw = unbound(SqliteAdapter({ path: rawFile, hashSessionTokens: false }))
    await raw.createUser({ id: 'r', email: 'r@example.com', emailVerified: null })
    await raw.createSession({ sessionToken: 'raw-cookie', userId: 'r', expires: new Date(1_800_000_000_000) })
    const url = await cluster.createDatabase()
    const copied = await cli('copy', rawFile, url)
    assert.equal(copied.code, 0, copied.stderr)
    const postgres = unbound(PostgresAdapter({ url }))
    assert.equal((await postgres.getSessionAndUser('raw-cookie')).user.id, 'r')
  })

  test('says what is wrong: a missing file, a file that is not an auth database, wrong usage', async () => {
    const url = await cluster.createDatabase()
    const missing = await cli('copy', '/nonexistent/auth.db', url)
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /authlite: copyFromSqlite: no SQLite database at "\/nonexistent\/auth.db" \(AUTHLITE_INVALID_INPUT\)/)

    const other = tempDbPath()
    const { execInChild } = await import('./helpers.mjs')
    execInChild(other, 'CREATE TABLE notes (id INTEGER PRIMARY KEY)')
    const notAuth = await cli('copy', other, url)
    assert.equal(notAuth.code, 1)
    assert.match(notAuth.stderr, /has no "user" table: it is not an Auth.js database/)

    const usage = await cli('copy', file)
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /copy takes 2 arguments, got 1/)
    const unknown = await cli('copy', file, url, '--mrege')
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /Unknown option '--mrege'/)
    const help = await cli('copy', '--help')
    assert.equal(help.code, 0)
    assert.match(help.stdout, /Usage: authlite copy <sqlite-file> <postgres-url>/)

    // The failed runs left the target as it was: not even the tables (they are made in the
    // transaction that copies the rows).
    const { rows } = await import('./helpers.mjs')
    assert.deepEqual(await rows({ backend: 'postgres', url }, 'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()'), [])
  })
})
