// Several instances of an app on one PostgreSQL database: 3 Node processes, each with its own
// PostgresAdapter (its own pool), sign users in at the same time through @auth/core's Auth()
// (email magic links, database sessions) and through the adapter calls of that flow. Checked:
// the schema is created once when all 3 start together; one user per email however the
// processes race; each verification token is used by exactly one process; a session made in one
// process is seen by the others and a sign-out in one is seen by the very next call of the
// others. The rows are counted with node-postgres too.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'

import pg from 'pg'

import { alive, postgresAvailable, postmasterPid, startCluster } from '../scripts/postgres-cluster.mjs'

/** The PostgreSQL schema versions, one per file of migrations/postgres/: every one applied, once. */
const POSTGRES_MIGRATIONS = readdirSync(new URL('../migrations/postgres/', import.meta.url))
  .filter((file) => file.endsWith('.sql'))
  .map((file, index) => index + 1)

const required = process.env.AUTHLITE_REQUIRE_POSTGRES === '1'
const available = postgresAvailable()
const skip =
  !available && !required &&
  'PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin); set AUTHLITE_REQUIRE_POSTGRES=1 to fail instead'

const PROCESSES = 3
const root = fileURLToPath(new URL('..', import.meta.url))
const DAY = 24 * 60 * 60 * 1000

// One app instance: a PostgresAdapter and @auth/core's Auth() over it, answering the parent's
// commands over IPC. A command carries `at`, a wall-clock time to start at, so the three
// processes start each race together. Results are plain JSON; a rejected adapter call is
// reported as { code, message }, never thrown.
const childScript = `
  const [rootUrl, url] = process.argv.slice(1)
  const { PostgresAdapter } = await import(new URL('index.mjs', rootUrl))
  const { AuthClient, emailProvider, ORIGIN } = await import(new URL('__test__/auth-client.mjs', rootUrl))

  const adapter = PostgresAdapter({ url, poolSize: 6 })
  // As @auth/core takes them: collected, then called unbound.
  const a = Object.fromEntries(Object.keys(adapter).map((name) => [name, adapter[name]]))
  const links = new Map() // email -> the latest magic link sent to it
  const failure = (error) => ({ code: error?.code, message: String(error?.message ?? error) })
  const settle = (promise) => promise.then((value) => ({ value }), (error) => ({ error: failure(error) }))

  /** An Auth.js config whose logger keeps the errors of one request (a fresh one per request). */
  function config(errors = []) {
    return {
      adapter,
      providers: [emailProvider(({ identifier, url }) => links.set(identifier, url))],
      secret: 'one-secret-shared-by-all-instances-0123456789',
      trustHost: true,
      basePath: '/auth',
      session: { strategy: 'database' },
      logger: {
        error(error) {
          let cause = error
          while (cause && !cause.code && (cause.cause?.err ?? cause.cause)) cause = cause.cause?.err ?? cause.cause
          errors.push({ name: error?.name, code: cause?.code, message: String(cause?.message ?? error) })
        },
        warn() {},
        debug() {},
      },
    }
  }
  function browser(sessionToken, errors) {
    const client = new AuthClient(config(errors))
    if (sessionToken) client.cookies.set('authjs.session-token', sessionToken)
    return client
  }
  const user = (u) => u && { id: u.id, email: u.email, emailVerified: u.emailVerified?.getTime() ?? null }

  const ops = {
    warmup: () => settle(a.getUserByEmail('nobody@example.com')),
    createUsers: ({ emails }) => Promise.all(emails.map((email) => settle(a.createUser({ email, emailVerified: null }).then(user)))),
    // POST /auth/signin/email for each email, each from a new browser: the link sent.
    requestLinks: ({ emails }) =>
      Promise.all(
        emails.map(async (email) => {
          const response = await browser().post('/auth/signin/email', { email, callbackUrl: ORIGIN + '/dashboard' })
          if (response.status !== 302 || !/verify-request/.test(response.headers.get('location'))) {
            throw new Error('sign-in request for ' + email + ': ' + response.status + ' ' + response.headers.get('location'))
          }
          return links.get(email)
        }),
      ),
    // Opens each magic link in a new browser: where it was sent and the session cookie it got.
    openLinks: ({ urls }) =>
      Promise.all(
        urls.map(async (link) => {
          const errors = []
          const client = browser(undefined, errors)
          const response = await client.request(link)
          return { status: response.status, location: response.headers.get('location'), sessionToken: client.sessionToken() ?? null, errors }
        }),
      ),
    // GET /auth/session with this session cookie: the signed-in user's email, or null.
    authSession: ({ tokens }) =>
      Promise.all(tokens.map(async (token) => (await browser(token).session())?.user?.email ?? null)),
    authSignOut: async ({ token }) => {
      const client = browser(token)
      const response = await client.post('/auth/signout', { callbackUrl: ORIGIN })
      return { status: response.status, cookieCleared: client.sessionToken() === undefined }
    },
    getSessionAndUser: ({ tokens }) =>
      Promise.all(
        tokens.map((token) =>
          settle(a.getSessionAndUser(token).then((found) => found && { userId: found.user.id, email: found.user.email, expires: found.session.expires.getTime() })),
        ),
      ),
    createSessions: ({ sessions }) =>
      Promise.all(sessions.map((s) => settle(a.createSession({ ...s, expires: new Date(s.expires) }).then((r) => r.sessionToken)))),
    deleteSession: ({ token }) => settle(a.deleteSession(token).then((s) => s && s.sessionToken)),
    createTokens: ({ tokens }) =>
      Promise.all(tokens.map((t) => settle(a.createVerificationToken({ ...t, expires: new Date(t.expires) }).then((r) => r.token)))),
    useTokens: ({ tokens }) =>
      Promise.all(
        tokens.map((t) => settle(a.useVerificationToken(t).then((r) => r && { identifier: r.identifier, token: r.token, expires: r.expires.getTime() }))),
      ),
  }

  process.on('message', async ({ id, op, args, at }) => {
    try {
      if (at > Date.now()) await new Promise((resolve) => setTimeout(resolve, at - Date.now()))
      process.send({ id, result: await ops[op](args) })
    } catch (error) {
      process.send({ id, crash: String(error?.stack ?? error) })
    }
  })
  process.on('disconnect', () => process.exit(0))
  process.send({ ready: true })
`

/** A child process running `childScript`; `call(op, args, at)` resolves to its result. */
function startInstance(n, url) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', childScript, pathToFileURL(root).href, url], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', () => {})
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
  const pending = new Map()
  let nextId = 0
  let readyResolve
  let readyReject
  const ready = new Promise((resolve, reject) => ((readyResolve = resolve), (readyReject = reject)))
  child.on('message', (message) => {
    if (message.ready) return readyResolve()
    const entry = pending.get(message.id)
    pending.delete(message.id)
    if (message.crash) entry.reject(new Error(`instance ${n}, ${entry.op}: ${message.crash}`))
    else entry.resolve(message.result)
  })
  child.on('exit', (code, signal) => {
    const error = new Error(`instance ${n} exited (${signal ?? code}): ${stderr}`)
    readyReject(error)
    for (const entry of pending.values()) entry.reject(error)
    pending.clear()
  })
  return {
    n,
    child,
    ready,
    call(op, args = {}, at = 0) {
      return new Promise((resolve, reject) => {
        const id = ++nextId
        pending.set(id, { op, resolve, reject })
        child.send({ id, op, args, at })
      })
    },
  }
}

/** Runs `op` in every instance, all starting at the same moment; `args(n)` per instance. */
function race(instances, op, args) {
  const at = Date.now() + 100
  return Promise.all(instances.map((instance) => instance.call(op, args(instance.n), at)))
}

describe('PostgreSQL: 3 app instances on one database', { skip, timeout: 60_000 }, () => {
  let cluster
  let pid
  let url
  let client
  let instances = []

  async function count(sql, params) {
    return Number((await client.query(sql, params)).rows[0].n)
  }

  before(async () => {
    if (!available) return
    const started = Date.now()
    cluster = await startCluster()
    pid = postmasterPid(cluster)
    url = await cluster.createDatabase()
    client = new pg.Client({ connectionString: url })
    client.on('error', () => {})
    await client.connect()
    instances = Array.from({ length: PROCESSES }, (_, n) => startInstance(n, url))
    await Promise.all(instances.map((instance) => instance.ready))
    console.log(`instances: cluster and ${PROCESSES} processes up in ${Date.now() - started} ms`)
  })

  after(async () => {
    for (const instance of instances) if (instance.child.exitCode === null) instance.child.kill()
    await client?.end().catch(() => {})
    await cluster?.stop().catch(() => {})
  })

  test('PostgreSQL 15 is installed', () => {
    assert.ok(available, 'AUTHLITE_REQUIRE_POSTGRES=1 but PostgreSQL 15 is not installed here')
  })

  test('all 3 start at once on an empty database: the schema is created once, every call answers', { skip: !available }, async () => {
    const results = await race(instances, 'warmup', () => ({}))
    assert.deepEqual(results, [{ value: null }, { value: null }, { value: null }])
    const versions = (await client.query('SELECT "version" FROM "authlite_migrations" ORDER BY 1')).rows
    assert.deepEqual(versions.map((r) => r.version), POSTGRES_MIGRATIONS)
  })

  test('createUser raced by 3 processes on the same emails: exactly one user per email, the others AUTHLITE_CONFLICT', { skip: !available }, async () => {
    const emails = Array.from({ length: 40 }, (_, i) => `race-${i}@example.com`)
    const results = await race(instances, 'createUsers', () => ({ emails }))
    for (const [i, email] of emails.entries()) {
      const outcomes = results.map((perProcess) => perProcess[i])
      const created = outcomes.filter((o) => o.value)
      assert.equal(created.length, 1, `${email}: ${JSON.stringify(outcomes)}`)
      assert.equal(created[0].value.email, email)
      for (const o of outcomes.filter((o) => o.error)) {
        assert.equal(o.error.code, 'AUTHLITE_CONFLICT', `${email}: ${JSON.stringify(o.error)}`)
        assert.match(o.error.message, /email/i)
      }
      const [{ id }] = (await client.query('SELECT "id" FROM "user" WHERE "email" = $1', [email])).rows
      assert.equal(id, created[0].value.id)
    }
    assert.equal(await count(`SELECT count(*) AS n FROM "user" WHERE "email" LIKE 'race-%'`), emails.length)
  })

  let sameEmailSessions = 0

  test('email sign-in through Auth(): each process gets its own link for the same emails and all open them at once: one user per email', { skip: !available }, async (t) => {
    const emails = Array.from({ length: 12 }, (_, i) => `same-${i}@example.com`)
    const links = await Promise.all(instances.map((instance) => instance.call('requestLinks', { emails })))
    assert.equal(await count(`SELECT count(*) AS n FROM "verificationToken" WHERE "identifier" LIKE 'same-%'`), emails.length * PROCESSES)
    const opened = await race(instances, 'openLinks', (n) => ({ urls: links[n] }))

    let signedIn = 0
    let lostTheCreateUserRace = 0
    for (const [i, email] of emails.entries()) {
      const [{ id: userId }, ...others] = (await client.query('SELECT "id" FROM "user" WHERE "email" = $1', [email])).rows
      assert.equal(others.length, 0, `${email}: more than one user`)
      let ok = 0
      for (const [n, result] of opened.entries()) {
        const { status, location, sessionToken, errors } = result[i]
        assert.equal(status, 302)
        if (location === 'http://localhost:3000/dashboard') {
          ok++
          assert.ok(sessionToken, `${email} in instance ${n}: signed in without a session cookie`)
          const [found] = await instances[(n + 1) % PROCESSES].call('getSessionAndUser', { tokens: [sessionToken] })
          assert.equal(found.value?.userId, userId, `${email}: the session of instance ${n} is not the one user's`)
        } else {
          // Auth.js reads the user by email, then creates it: a process that read "no user"
          // just before another created it gets the unique violation, as with any adapter.
          // It must be authlite's AUTHLITE_CONFLICT, shown to the user as an error page.
          lostTheCreateUserRace++
          assert.equal(sessionToken, null)
          assert.match(location, /error=/, `${email} in instance ${n}: ${location}`)
          // (Auth.js logs the AdapterError twice: where the adapter threw and at the top.)
          assert.ok(errors.length > 0, `${email} in instance ${n}: an error page with nothing logged`)
          for (const e of errors) assert.equal(e.code, 'AUTHLITE_CONFLICT', `${email} in instance ${n}: ${JSON.stringify(errors)}`)
          assert.match(errors[0].message, /createUser: a user with email .* already exists/)
        }
      }
      assert.ok(ok >= 1, `${email}: no instance signed in`)
      signedIn += ok
    }
    sameEmailSessions = signedIn
    t.diagnostic(`${signedIn} of ${emails.length * PROCESSES} sign-ins succeeded; ${lostTheCreateUserRace} lost the createUser race (AUTHLITE_CONFLICT)`)
    console.log(`instances: same-email sign-ins: ${signedIn} succeeded, ${lostTheCreateUserRace} lost the createUser race with AUTHLITE_CONFLICT`)
    assert.equal(await count(`SELECT count(*) AS n FROM "user" WHERE "email" LIKE 'same-%'`), emails.length)
    assert.equal(await count(`SELECT count(*) AS n FROM "verificationToken" WHERE "identifier" LIKE 'same-%'`), 0, 'every link was used')
    assert.equal(
      await count(`SELECT count(*) AS n FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE u."email" LIKE 'same-%'`),
      signedIn,
    )
  })

  /** Sessions made by the magic-link race below: { email, token, instance }. */
  const sessions = []

  test('a magic link opened by all 3 processes at once signs in exactly once', { skip: !available }, async () => {
    const emails = Array.from({ length: 15 }, (_, i) => `link-${i}@example.com`)
    const urls = await instances[0].call('requestLinks', { emails })
    const opened = await race(instances, 'openLinks', () => ({ urls }))
    for (const [i, email] of emails.entries()) {
      const winners = opened.map((r, n) => ({ ...r[i], n })).filter((r) => r.location === 'http://localhost:3000/dashboard')
      assert.equal(winners.length, 1, `${email}: ${JSON.stringify(opened.map((r) => r[i]))}`)
      assert.ok(winners[0].sessionToken)
      sessions.push({ email, token: winners[0].sessionToken, instance: winners[0].n })
      for (const [n, r] of opened.entries()) {
        if (n === winners[0].n) continue
        assert.equal(r[i].status, 302)
        assert.match(r[i].location, /error=Verification/, `${email} in instance ${n}`)
        assert.equal(r[i].sessionToken, null)
      }
    }
    assert.equal(await count(`SELECT count(*) AS n FROM "user" WHERE "email" LIKE 'link-%'`), emails.length)
    assert.equal(await count(`SELECT count(*) AS n FROM "verificationToken" WHERE "identifier" LIKE 'link-%'`), 0)
    assert.equal(
      await count(`SELECT count(*) AS n FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE u."email" LIKE 'link-%'`),
      emails.length,
    )
  })

  test('useVerificationToken raced by 3 processes on the same tokens: exactly one gets each, the others null', { skip: !available }, async () => {
    const expires = Date.now() + DAY
    const tokens = Array.from({ length: 60 }, (_, i) => ({ identifier: `tok-${i % 20}@example.com`, token: randomUUID(), expires }))
    const created = await instances[1].call('createTokens', { tokens })
    assert.deepEqual(created, tokens.map((t) => ({ value: t.token })))
    const keys = tokens.map(({ identifier, token }) => ({ identifier, token }))
    const used = await race(instances, 'useTokens', () => ({ tokens: keys }))
    const wins = [0, 0, 0]
    for (const [i, token] of tokens.entries()) {
      const outcomes = used.map((r) => r[i])
      for (const o of outcomes) assert.equal(o.error, undefined, JSON.stringify(o.error))
      const got = outcomes.map((o, n) => o.value && n).filter((n) => n !== null)
      assert.equal(got.length, 1, `token ${i}: ${JSON.stringify(outcomes)}`)
      wins[got[0]]++
      assert.deepEqual(outcomes[got[0]].value, token)
    }
    console.log(`instances: 60 tokens raced by 3 processes, won per process: ${wins.join(', ')}`)
    assert.equal(await count(`SELECT count(*) AS n FROM "verificationToken" WHERE "identifier" LIKE 'tok-%'`), 0)
  })

  test('a session made in one process is seen by the others; a sign-out in one is seen by the next call of the others', { skip: !available }, async () => {
    assert.equal(sessions.length, 15, 'the magic-link test made the sessions')
    // Through Auth(): GET /auth/session in every process.
    for (const instance of instances) {
      const emails = await instance.call('authSession', { tokens: sessions.map((s) => s.token) })
      assert.deepEqual(emails, sessions.map((s) => s.email), `instance ${instance.n}`)
    }
    // Sign out through Auth() in a process that did not make the session; the very next call
    // of every other process finds no session.
    for (const [i, { token, instance }] of sessions.entries()) {
      const signingOut = instances[(instance + 1 + (i % 2)) % PROCESSES]
      const out = await signingOut.call('authSignOut', { token })
      assert.deepEqual(out, { status: 302, cookieCleared: true })
      for (const other of instances.filter((x) => x !== signingOut)) {
        const [found] = await other.call('getSessionAndUser', { tokens: [token] })
        assert.deepEqual(found, { value: null }, `instance ${other.n} still sees a session signed out in ${signingOut.n}`)
        assert.deepEqual(await other.call('authSession', { tokens: [token] }), [null])
      }
    }
    assert.equal(
      await count(`SELECT count(*) AS n FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE u."email" LIKE 'link-%'`),
      0,
    )

    // The adapter calls alone, many sessions: made in process i, read in the other two, deleted
    // in i+1, then the next call of i and i+2 gets null.
    const users = (await client.query(`SELECT "id", "email" FROM "user" WHERE "email" LIKE 'race-%' ORDER BY "email"`)).rows
    const expires = Date.now() + DAY
    const made = users.slice(0, 30).map((u, i) => ({ sessionToken: randomUUID(), userId: u.id, email: u.email, expires, n: i % PROCESSES }))
    await Promise.all(
      instances.map(async (instance) => {
        const mine = made.filter((s) => s.n === instance.n).map(({ sessionToken, userId, expires }) => ({ sessionToken, userId, expires }))
        assert.deepEqual(await instance.call('createSessions', { sessions: mine }), mine.map((s) => ({ value: s.sessionToken })))
      }),
    )
    const raceSessions = `SELECT count(*) AS n FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE u."email" LIKE 'race-%'`
    assert.equal(await count(raceSessions), made.length)
    for (const instance of instances) {
      const found = await instance.call('getSessionAndUser', { tokens: made.map((s) => s.sessionToken) })
      assert.deepEqual(found, made.map((s) => ({ value: { userId: s.userId, email: s.email, expires } })), `instance ${instance.n}`)
    }
    for (const s of made) {
      const deleting = instances[(s.n + 1) % PROCESSES]
      assert.deepEqual(await deleting.call('deleteSession', { token: s.sessionToken }), { value: s.sessionToken })
      const next = await Promise.all(
        instances.filter((x) => x !== deleting).map((x) => x.call('getSessionAndUser', { tokens: [s.sessionToken] })),
      )
      assert.deepEqual(next, [[{ value: null }], [{ value: null }]])
      assert.deepEqual(await deleting.call('deleteSession', { token: s.sessionToken }), { value: null })
    }
    assert.equal(await count(raceSessions), 0)
  })

  test('totals counted with node-postgres', { skip: !available }, async () => {
    // 40 race-, 12 same-, 15 link- users; every token used; only the same- sign-ins' sessions left.
    assert.equal(await count('SELECT count(*) AS n FROM "user"'), 40 + 12 + 15)
    assert.equal(await count('SELECT count(DISTINCT "email") AS n FROM "user"'), 40 + 12 + 15)
    assert.equal(await count('SELECT count(*) AS n FROM "verificationToken"'), 0)
    assert.equal(await count('SELECT count(*) AS n FROM "session"'), sameEmailSessions)
  })

  test('stopping: the processes exit, the cluster leaves no postgres process', { skip: !available }, async () => {
    await Promise.all(
      instances.map((instance) => new Promise((resolve) => {
        if (instance.child.exitCode !== null) return resolve()
        instance.child.once('exit', resolve)
        instance.child.disconnect() // each exits when its IPC channel closes
      })),
    )
    for (const instance of instances) assert.equal(instance.child.exitCode, 0, `instance ${instance.n}`)
    await client.end()
    client = null
    await cluster.stop()
    assert.ok(!alive(pid), `postmaster ${pid} is still running`)
  })
})
