// `npx authlite` (issue 10): every command on a database an app wrote, with the app still
// running in another process; tables and --json; exit codes; --help; a wrong path creates
// nothing; a database @auth/drizzle-adapter made is looked at as it is, never migrated. And the
// handle methods behind it, on SQLite and PostgreSQL.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'

import { openAuthDatabase, SqliteAdapter } from '../index.mjs'
import { adapterOf, cli, forEachBackend, freshDatabase, inspect, tempDbPath, unbound } from './helpers.mjs'

const DAY = 86_400_000

const json = async (...args) => {
  const out = await cli(...args, '--json')
  assert.equal(out.code, 0, out.stderr)
  return JSON.parse(out.stdout)
}

/** Two users with sessions (one expired), an account, a passkey and a pending link. */
async function populate(a) {
  const ada = await a.createUser({ id: 'ada', email: 'ada@example.com', name: 'Ada Lovelace', emailVerified: new Date(1_700_000_000_000) })
  await a.createUser({ id: 'bob', email: 'bob@example.com', name: 'Bob', emailVerified: null })
  await a.createSession({ sessionToken: 'ada-1', userId: 'ada', expires: new Date(Date.now() + DAY) })
  await a.createSession({ sessionToken: 'ada-2', userId: 'ada', expires: new Date(Date.now() + DAY) })
  await a.createSession({ sessionToken: 'ada-old', userId: 'ada', expires: new Date(Date.now() - DAY) })
  await a.createSession({ sessionToken: 'bob-1', userId: 'bob', expires: new Date(Date.now() + DAY) })
  await a.linkAccount({ userId: 'ada', type: 'oauth', provider: 'github', providerAccountId: '1815', access_token: 'gho_never_shown', scope: 'read:user' })
  await a.createAuthenticator({
    credentialID: 'cred-ada',
    userId: 'ada',
    providerAccountId: 'cred-ada',
    credentialPublicKey: 'public-key-never-shown',
    counter: 5,
    credentialDeviceType: 'multiDevice',
    credentialBackedUp: true,
    transports: 'internal,hybrid',
  })
  await a.createVerificationToken({ identifier: 'new@example.com', token: 'hashed', expires: new Date(Date.now() - DAY) })
  return ada
}

describe('npx authlite on a SQLite database', () => {
  const path = tempDbPath()
  let app

  before(async () => {
    // The app keeps the database open (and writing) in another process the whole time.
    app = spawn(process.execPath, ['-e', `
      const { SqliteAdapter } = require('./index.js')
      const a = SqliteAdapter(process.argv[1])
      let n = 0
      setInterval(() => { a.createVerificationToken({ identifier: 'app@example.com', token: 'tick-' + n++, expires: new Date(Date.now() + 86400000) }) }, 20)
      process.stdout.write('ready\\n')
    `, path], { cwd: new URL('..', import.meta.url), stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise((resolve) => app.stdout.once('data', resolve))
    await populate(unbound(SqliteAdapter({ path })))
  })
  after(() => app?.kill())

  test('stats: counts, sizes and the schema version, as a table and as JSON', async () => {
    const stats = await json('stats', path)
    assert.equal(stats.users, 2)
    assert.equal(stats.accounts, 1)
    assert.deepEqual(stats.accountsByProvider, [{ provider: 'github', accounts: 1 }])
    assert.equal(stats.liveSessions, 3)
    assert.equal(stats.expiredSessions, 1)
    assert.ok(stats.verificationTokens >= 1)
    assert.equal(stats.passkeys, 1)
    assert.ok(stats.fileBytes > 0)
    assert.ok(stats.schemaVersion >= 3)
    const table = await cli('stats', path)
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stdout, /^users\s+2$/m)
    assert.match(table.stdout, /^accounts\s+1 \(github 1\)$/m)
    assert.match(table.stdout, /^sessions\s+3 live, 1 expired$/m)
  })

  test('users: all, searched (any case), limited; a search without a match says so', async () => {
    const all = await json('users', path)
    assert.deepEqual(all.map((u) => u.email), ['ada@example.com', 'bob@example.com'])
    assert.deepEqual(all[0], { id: 'ada', name: 'Ada Lovelace', email: 'ada@example.com', emailVerifiedMs: 1_700_000_000_000, accounts: 1, passkeys: 1, liveSessions: 2 })
    assert.deepEqual((await json('users', path, '--search', 'LOVELACE')).map((u) => u.id), ['ada'])
    assert.deepEqual((await json('users', path, '--limit', '1')).map((u) => u.id), ['ada'])
    const table = await cli('users', path)
    assert.match(table.stdout, /^email\s+name\s+verified\s+accounts\s+passkeys\s+sessions\s+id$/m)
    assert.match(table.stdout, /^ada@example\.com\s+Ada Lovelace\s+2023-11-14\s+1\s+1\s+2\s+ada$/m)
    const none = await cli('users', path, '--search', 'zed')
    assert.equal(none.code, 0)
    assert.equal(none.stdout, 'no user matches "zed"\n')
  })

  test('user: by email or id, with accounts (never tokens) and passkeys (never keys); unknown is exit 3', async () => {
    const byEmail = await json('user', path, 'ada@example.com')
    assert.deepEqual(byEmail, await json('user', path, 'ada'))
    assert.deepEqual(byEmail.accounts, [{ provider: 'github', providerAccountId: '1815', type: 'oauth' }])
    assert.deepEqual(byEmail.passkeys, [{ credentialID: 'cred-ada', deviceType: 'multiDevice', backedUp: true, counter: 5, transports: 'internal,hybrid' }])
    assert.equal(byEmail.liveSessions, 2)
    assert.equal(byEmail.expiredSessions, 1)
    const table = await cli('user', path, 'ada@example.com')
    assert.equal(table.code, 0)
    assert.match(table.stdout, /^github\s+1815\s+oauth$/m)
    assert.doesNotMatch(table.stdout + JSON.stringify(byEmail), /gho_never_shown|public-key-never-shown/)
    const unknown = await cli('user', path, 'nobody@example.com')
    assert.equal(unknown.code, 3)
    assert.equal(unknown.stderr, 'authlite: no user has the id or email "nobody@example.com"\n')
  })

  test('revoke signs the user out everywhere, and the app sees it at once', async () => {
    const out = await cli('revoke', path, 'bob@example.com')
    assert.equal(out.code, 0, out.stderr)
    assert.equal(out.stdout, 'signed bob@example.com out everywhere: 1 session deleted\n')
    const a = unbound(SqliteAdapter({ path }))
    assert.equal(await a.getSessionAndUser('bob-1'), null)
    assert.equal((await json('revoke', path, 'bob')).sessions, 0)
    assert.equal((await cli('revoke', path, 'ghost')).code, 3)
  })

  test('purge deletes what expired', async () => {
    const out = await json('purge', path)
    assert.equal(out.sessions, 1)
    assert.ok(out.verificationTokens >= 1)
    assert.equal((await json('stats', path)).expiredSessions, 0)
  })

  test('check: integrity and schema version; a damaged file is exit 4', async () => {
    const ok = await cli('check', path)
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /^integrity: ok\nschema version: \d+\n$/)
    // A file whose index disagrees with its table.
    const broken = tempDbPath()
    // better-sqlite3 runs in defensive mode, which forbids writing the schema: Python's sqlite3 does not.
    const { execFileSync } = await import('node:child_process')
    execFileSync('python3', ['-c', `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript('''CREATE TABLE t (x); CREATE INDEX ix ON t (x); INSERT INTO t VALUES (1), (2), (3);
  PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'CREATE INDEX ix ON t (x DESC)' WHERE name = 'ix';''')
db.close()`, broken])
    const bad = await cli('check', broken, '--json')
    assert.equal(bad.code, 4, bad.stderr)
    const report = JSON.parse(bad.stdout)
    assert.equal(report.ok, false)
    assert.ok(report.problems.length > 0)
    assert.equal(report.schemaVersion, 0)
  })

  test('backup: a consistent copy in a new file, never over an existing one', async () => {
    const dest = tempDbPath('backup.db')
    const out = await cli('backup', path, dest)
    assert.equal(out.code, 0, out.stderr)
    assert.match(out.stdout, /^backed up \d+ pages \([\d.]+ KiB\) to .*backup\.db\n$/)
    assert.deepEqual(inspect(dest, 'SELECT "id" FROM "user" ORDER BY 1').map((r) => r.id), ['ada', 'bob'])
    const again = await cli('backup', path, dest)
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already exists; back up to a new file/)
  })

  test('delete-user asks (and without a terminal needs --yes), then deletes everything of the user', async () => {
    const refused = await cli('delete-user', path, 'ada@example.com')
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /needs --yes when it cannot ask \(no terminal\): it would delete ada@example\.com with 2 sessions, 1 accounts and 1 passkeys/)
    assert.equal((await json('users', path)).length, 2, 'nothing was deleted')
    const out = await cli('delete-user', path, 'ada@example.com', '--yes')
    assert.equal(out.code, 0, out.stderr)
    assert.equal(out.stdout, 'deleted ada@example.com: 2 sessions, 1 accounts, 1 passkeys\n')
    assert.equal((await cli('user', path, 'ada')).code, 3)
    assert.deepEqual(inspect(path, 'SELECT count(*) AS n FROM "account" UNION ALL SELECT count(*) FROM "authenticator"'), [{ n: 0 }, { n: 0 }])
    assert.equal((await cli('delete-user', path, 'ada', '--yes')).code, 3)
  })

  test('wrong paths and wrong usage: clear messages, exit codes, nothing created', async () => {
    const missing = tempDbPath('missing.db')
    for (const command of ['stats', 'users', 'check', 'purge']) {
      const out = await cli(command, missing)
      assert.equal(out.code, 1, command)
      assert.equal(out.stderr, `authlite: open: no database file at ${JSON.stringify(missing)} (fileMustExist: nothing was created) (AUTHLITE_INVALID_INPUT)\n`)
    }
    assert.equal(existsSync(missing), false)
    const notADatabase = fileURLToPath(new URL('../package.json', import.meta.url))
    const notDb = await cli('stats', notADatabase)
    assert.equal(notDb.code, 1)
    assert.match(notDb.stderr, /not a database/)

    const cases = [
      [['stats'], /^authlite: stats takes 1 argument, got 0: <db>/],
      [['user', path], /^authlite: user takes 2 arguments, got 1: <db> <who>/],
      [['users', path, '--limit', '0'], /^authlite: --limit must be a whole number from 1, got "0"/],
      [['users', path, '--serch', 'x'], /^authlite: users: Unknown option '--serch'/],
      [['frobnicate'], /^authlite: unknown command "frobnicate"/],
    ]
    for (const [args, message] of cases) {
      const out = await cli(...args)
      assert.equal(out.code, 2, args.join(' '))
      assert.match(out.stderr, message)
    }
    const bare = await cli()
    assert.equal(bare.code, 2)
    assert.match(bare.stdout, /^Usage: authlite <command>/)
  })

  test('--help on every command', async () => {
    for (const command of ['stats', 'users', 'user', 'revoke', 'delete-user', 'purge', 'check', 'backup', 'copy']) {
      const out = await cli(command, '--help')
      assert.equal(out.code, 0, command)
      assert.match(out.stdout, new RegExp(`^Usage: authlite ${command} `), command)
    }
    const top = await cli('--help')
    assert.equal(top.code, 0)
    for (const command of ['stats', 'users', 'user', 'revoke', 'delete-user', 'purge', 'check', 'backup', 'copy']) assert.match(top.stdout, new RegExp(`\\n  ${command} `))
  })
})

test('delete-user on a terminal asks: "n" keeps the user (exit 1), "y" deletes them', async () => {
  const path = tempDbPath()
  const a = unbound(SqliteAdapter({ path }))
  await a.createUser({ id: 'keep', email: 'keep@example.com' })
  await a.createUser({ id: 'gone', email: 'gone@example.com' })
  const { spawnSync } = await import('node:child_process')
  // script(1) gives the command a terminal; the answer is typed into it.
  const answer = (who, reply) =>
    spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(fileURLToPath(new URL('../bin/authlite.js', import.meta.url)))} delete-user ${JSON.stringify(path)} ${who}`, '/dev/null'], {
      input: `${reply}\n`,
      encoding: 'utf8',
      timeout: 20_000,
    })
  const no = answer('keep', 'n')
  assert.match(no.stdout, /Delete keep@example\.com with 0 sessions, 0 accounts and 0 passkeys\? \[y\/N\]/)
  assert.match(no.stdout, /authlite: nothing deleted/)
  assert.equal(no.status, 1)
  assert.ok(await a.getUser('keep'))
  const yes = answer('gone', 'y')
  assert.match(yes.stdout, /deleted gone@example\.com: 0 sessions, 0 accounts, 0 passkeys/)
  assert.equal(yes.status, 0)
  assert.equal(await a.getUser('gone'), null)
})

test('npx authlite looks at a database @auth/drizzle-adapter made without migrating it', async () => {
  const path = tempDbPath()
  const { execInChild } = await import('./helpers.mjs')
  // drizzle's default SQLite tables, with a raw session token as drizzle stores it.
  execInChild(path, `
    CREATE TABLE "user" ("id" text PRIMARY KEY NOT NULL, "name" text, "email" text, "emailVerified" integer, "image" text);
    CREATE UNIQUE INDEX "user_email_unique" ON "user" ("email");
    CREATE TABLE "account" ("userId" text NOT NULL, "type" text NOT NULL, "provider" text NOT NULL, "providerAccountId" text NOT NULL,
      "refresh_token" text, "access_token" text, "expires_at" integer, "token_type" text, "scope" text, "id_token" text, "session_state" text,
      PRIMARY KEY ("provider", "providerAccountId"));
    CREATE TABLE "session" ("sessionToken" text PRIMARY KEY NOT NULL, "userId" text NOT NULL, "expires" integer NOT NULL);
    CREATE TABLE "verificationToken" ("identifier" text NOT NULL, "token" text NOT NULL, "expires" integer NOT NULL, PRIMARY KEY ("identifier", "token"));
    CREATE TABLE "authenticator" ("credentialID" text NOT NULL UNIQUE, "userId" text NOT NULL, "providerAccountId" text NOT NULL,
      "credentialPublicKey" text NOT NULL, "counter" integer NOT NULL, "credentialDeviceType" text NOT NULL, "credentialBackedUp" integer NOT NULL,
      "transports" text, PRIMARY KEY ("userId", "credentialID"));
    INSERT INTO "user" VALUES ('d1', 'Dee', 'dee@example.com', NULL, NULL);
    INSERT INTO "session" VALUES ('raw-drizzle-token', 'd1', ${Date.now() + DAY});
    INSERT INTO "account" ("userId", "type", "provider", "providerAccountId") VALUES ('d1', 'oauth', 'google', 'g-1');
  `)
  const schemaBefore = inspect(path, 'SELECT "name", "sql" FROM sqlite_schema ORDER BY 1')
  const stats = await json('stats', path)
  assert.equal(stats.users, 1)
  assert.equal(stats.schemaVersion, 0)
  assert.deepEqual((await json('user', path, 'dee@example.com')).accounts, [{ provider: 'google', providerAccountId: 'g-1', type: 'oauth' }])
  assert.deepEqual(await json('check', path), { ok: true, problems: [], schemaVersion: 0 })
  assert.deepEqual(inspect(path, 'SELECT "name", "sql" FROM sqlite_schema ORDER BY 1'), schemaBefore, 'no table or column added, nothing rebuilt')
  assert.deepEqual(inspect(path, 'SELECT "sessionToken" FROM "session"'), [{ sessionToken: 'raw-drizzle-token' }], 'the token was not hashed')
  assert.equal((await json('revoke', path, 'dee@example.com')).sessions, 1)
  assert.equal((await cli('delete-user', path, 'd1', '--yes')).code, 0)
  assert.deepEqual(inspect(path, 'SELECT count(*) AS n FROM "user"'), [{ n: 0 }])
})

// The handle methods behind the command line, which an app's own admin page can call too.
forEachBackend((backend) => {
  test('stats, findUsers, userDetails, revokeSessions, removeUser on the handle', async () => {
    const { db } = await freshDatabase(backend)
    const a = unbound(adapterOf(db))
    await populate(a)
    const settle = async (value) => value // SQLite's reads answer at once, PostgreSQL's are promises
    const stats = await settle(db.stats())
    assert.equal(stats.users, 2)
    assert.equal(stats.liveSessions, 3)
    assert.equal(stats.expiredSessions, 1)
    assert.deepEqual(stats.accountsByProvider, [{ provider: 'github', accounts: 1 }])
    assert.ok(stats.schemaVersion >= 3)
    assert.deepEqual((await settle(db.findUsers({ search: 'ADA' }))).map((u) => u.id), ['ada'])
    await assert.rejects(async () => db.findUsers({ limit: 0 }), { code: 'AUTHLITE_INVALID_INPUT', message: 'authlite: findUsers: options.limit must be from 1 to 10000, got 0' })
    const ada = await settle(db.userDetails('ada@example.com'))
    assert.equal(ada.id, 'ada')
    assert.equal(ada.emailVerifiedMs, 1_700_000_000_000)
    assert.deepEqual(ada.passkeys.map((p) => p.credentialID), ['cred-ada'])
    assert.equal(await settle(db.userDetails('nobody')), null)
    assert.equal(await db.revokeSessions('ada'), 3)
    assert.equal(await a.getSessionAndUser('ada-1'), null)
    assert.deepEqual(await db.removeUser('ada'), { sessions: 0, accounts: 1, passkeys: 1 })
    assert.equal(await db.removeUser('ada'), null)
    assert.equal(await a.getUser('ada'), null)
    if (backend !== 'sqlite') {
      await assert.rejects(db.checkIntegrity(), { code: 'AUTHLITE_INVALID_INPUT', message: /amcheck/ })
    } else {
      assert.deepEqual(db.checkIntegrity(), { ok: true, problems: [], schemaVersion: stats.schemaVersion })
    }
    db.close()
  })
}, { pooler: true })

test('openAuthDatabase with fileMustExist never creates a file; migrate: false leaves a new schema alone', () => {
  const path = tempDbPath('absent.db')
  assert.throws(() => openAuthDatabase({ path, fileMustExist: true }), { code: 'AUTHLITE_INVALID_INPUT', message: /no database file at/ })
  assert.equal(existsSync(path), false)
})
