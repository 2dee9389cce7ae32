// authlite behind a transaction pooler (issue 15): Debian's PgBouncer 1.18 in transaction mode,
// which has no prepared-statement support, with 5 server connections per database, in front of
// a throwaway PostgreSQL 15, reached with the pooler's plain URL as serverless instances reach
// Supabase's or Neon's pooled URL. Several Node processes, writers and read-only ones, some
// started after others exited (a redeploy), each with its own PostgresAdapter: every read
// returns the right row, a read-only process deletes nothing, and every acknowledged write is
// found when the rows are counted directly on the server afterwards. Also: Prisma-style URL
// parameters (`?pgbouncer=true`, `connection_limit`, `pool_timeout`), unknown ones named,
// `npx authlite copy` through the pooler. (The parameterized adapter, Auth() flow, concurrency
// and maintenance suites run through the pooler too: forEachBackend(..., { pooler: true }).)

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'

import { openAuthDatabase, PostgresAdapter, SqliteAdapter } from '../index.mjs'
import { pgbouncerAvailable } from '../scripts/pgbouncer.mjs'
import { BACKENDS, cli, freshPostgresUrl, pgbouncer, rows, tempDbPath, unbound } from './helpers.mjs'

const skip =
  (!BACKENDS.includes('postgres') && 'PostgreSQL is not among the backends here') ||
  (!pgbouncerAvailable() && process.env.AUTHLITE_REQUIRE_POSTGRES !== '1' &&
    'PgBouncer is not installed (/usr/sbin/pgbouncer); set AUTHLITE_REQUIRE_POSTGRES=1 to fail instead')
const worker = fileURLToPath(new URL('./fixtures/pooler-worker.mjs', import.meta.url))

/** Runs the worker fixture in a child process; resolves to its JSON result. */
function run(...args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [worker, ...args.map(String)], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`pooler-worker ${args[0]} failed: ${error.message}\n${stderr}`))
      resolve(JSON.parse(stdout))
    })
  })
}

const withParams = (url, params) => `${url}${url.includes('?') ? '&' : '?'}${params}`

describe('PostgreSQL through PgBouncer in transaction mode', { skip }, () => {
  test('processes that read, write and exit, new ones after: every read right, nothing deleted that was not asked, every acknowledged write there', async (t) => {
    const direct = await freshPostgresUrl()
    const url = (await pgbouncer()).pooled(direct)
    const target = { backend: 'postgres', url: direct }

    // Three instances start at once on an empty database: the schema is made through the pooler.
    const seeds = await Promise.all(['s0', 's1', 's2'].map((prefix) => run('seed', url, prefix, 40)))
    assert.deepEqual(seeds.map((s) => s.created.length), [40, 40, 40])

    // Read-only instances beside instances that sign users up and out, then all exit...
    const first = await Promise.all([
      run('read', url, 's0', 40, 3000),
      run('read', url, 's1', 40, 3000),
      run('churn', url, 'c0', 3000),
      run('churn', url, 'c1', 3000),
    ])
    // ...and a new deploy starts: read-only instances (one with Prisma's ?pgbouncer=true URL) and
    // a writer whose statements are new to the pooler's server connections.
    const second = await Promise.all([
      run('read', url, 's2', 40, 2500),
      run('read', withParams(url, 'pgbouncer=true'), 's0', 40, 2500),
      run('read', url, 's1', 40, 2500),
      run('churn', withParams(url, 'pgbouncer=true&connection_limit=2'), 'c2', 2500),
    ])
    const reads = [first[0], first[1], second[0], second[1], second[2]]
    const churns = [first[2], first[3], second[3]]
    for (const r of reads) {
      assert.deepEqual({ wrong: r.wrong, errors: r.errors }, { wrong: [], errors: [] })
      assert.ok(r.calls > 50, `a reader made only ${r.calls} calls`)
    }
    for (const c of churns) {
      assert.deepEqual(c.errors, [])
      assert.ok(c.kept.length > 3 && c.deleted.length > 3, `a writer kept ${c.kept.length} and deleted ${c.deleted.length} users`)
    }

    // Counted directly on the server, not through the pooler.
    const seeded = seeds.flatMap((s) => s.created)
    const kept = churns.flatMap((c) => c.kept)
    const deleted = churns.flatMap((c) => c.deleted)
    const [counts] = await rows(
      target,
      `SELECT (SELECT count(*) FROM "user") AS users, (SELECT count(*) FROM "account") AS accounts,
              (SELECT count(*) FROM "session") AS sessions`,
    )
    assert.deepEqual(counts, { users: seeded.length + kept.length, accounts: seeded.length + kept.length, sessions: seeded.length })
    const present = new Set((await rows(target, 'SELECT "id" FROM "user"')).map((r) => r.id))
    assert.deepEqual(seeded.filter((id) => !present.has(id)), [], 'every seeded user is still there')
    assert.deepEqual(kept.filter((id) => !present.has(id)), [], 'every acknowledged sign-up is there')
    assert.deepEqual(deleted.filter((id) => present.has(id)), [], 'every acknowledged deleteUser took effect')
    const [{ n: sessionsLeft }] = await rows(target, `SELECT count(*) AS n FROM "session" WHERE "userId" LIKE 'c%'`)
    assert.equal(sessionsLeft, 0, 'every acknowledged deleteSession took effect')
    const calls = (list) => list.reduce((sum, r) => sum + r.calls, 0)
    t.diagnostic(
      `pooler: ${seeded.length * 3} seeding calls by 3 processes at once on an empty database; ` +
        `${calls(reads)} reads by 5 read-only processes (one with ?pgbouncer=true), 0 wrong, 0 failed; ` +
        `${calls(churns)} write-flow calls by 3 writers (one with ?pgbouncer=true), 0 failed; on the server: ${counts.users} users ` +
        `(${seeded.length} seeded + ${kept.length} kept, ${deleted.length} deleted as asked), ${counts.sessions} sessions`,
    )
  })

  test("Prisma's URL parameters: pgbouncer=true is accepted, connection_limit caps the pool, an unknown one is named", async () => {
    const direct = await freshPostgresUrl()
    const limited = unbound(PostgresAdapter(withParams(direct, 'pgbouncer=true&connection_limit=1&pool_timeout=10')))
    await Promise.all(Array.from({ length: 20 }, (_, i) => limited.createUser({ id: `u${i}`, email: `u${i}@example.com` })))
    const [{ n }] = await rows(
      { backend: 'postgres', url: direct },
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'authlite'`,
    )
    assert.equal(n, 1, 'connection_limit=1: one connection')
    assert.equal((await limited.getUser('u19')).email, 'u19@example.com')

    const refused = (pattern) => ({ code: 'AUTHLITE_INVALID_INPUT', message: pattern })
    assert.throws(() => PostgresAdapter(withParams(direct, 'pgbouncer=yes')), refused(/options\.url: pgbouncer must be true or false, got "yes"/))
    assert.throws(() => PostgresAdapter(withParams(direct, 'connection_limit=0')), refused(/connection_limit must be a whole number from 1 to/))
    assert.throws(() => PostgresAdapter(withParams(direct, 'sslmod=require')), refused(/options\.url has the parameter "sslmod", which authlite does not know.*sslmode/))
    assert.throws(() => PostgresAdapter(withParams(direct, 'schema=auth')), refused(/options\.url has the parameter "schema" \(Prisma's\).*search_path/))
    assert.throws(
      () => PostgresAdapter({ url: withParams(direct, 'connection_limit=3'), poolSize: 5 }),
      refused(/connection_limit=3 and options\.poolSize 5 disagree/),
    )
  })

  test('npx authlite copy and the maintenance methods work through the pooler', async () => {
    const file = tempDbPath()
    const sqlite = unbound(SqliteAdapter(file))
    for (let i = 0; i < 30; i++) {
      await sqlite.createUser({ id: `m${i}`, email: `m${i}@example.com`, emailVerified: null })
      await sqlite.linkAccount({ userId: `m${i}`, type: 'oauth', provider: 'github', providerAccountId: `gh-${i}` })
      await sqlite.createSession({ sessionToken: `tok-${i}`, userId: `m${i}`, expires: new Date(Date.now() + 86_400_000) })
    }
    const direct = await freshPostgresUrl()
    const url = (await pgbouncer()).pooled(direct)
    const copied = await cli('copy', file, url)
    assert.equal(copied.code, 0, copied.stderr)
    const [counts] = await rows(
      { backend: 'postgres', url: direct },
      `SELECT (SELECT count(*) FROM "user") AS users, (SELECT count(*) FROM "session") AS sessions`,
    )
    assert.deepEqual(counts, { users: 30, sessions: 30 })
    const db = openAuthDatabase({ url })
    try {
      assert.equal((await db.stats()).users, 30)
      assert.equal((await db.userDetails('m3@example.com')).id, 'm3')
      assert.equal(await db.revokeSessions('m3'), 1)
      assert.deepEqual(await db.removeUser('m4'), { sessions: 1, accounts: 1, passkeys: 0 })
      assert.equal((await db.stats()).users, 29)
      const a = unbound(PostgresAdapter(db))
      assert.equal((await a.getSessionAndUser('tok-5')).user.id, 'm5', 'a session copied from SQLite signs in through the pooler')
    } finally {
      db.close()
    }
  })
})
