// End to end: adopting authlite into an app shaped like the official Auth.js example
// (nextauthjs/next-auth-example: Next 16, next-auth v5, a `middleware.ts` that is just
// `export { auth as middleware } from "auth"`, `output: "standalone"`), as in issue #6. The
// fixture (__test__/fixtures/next-example-app) is installed once from the packed tarballs into a
// temporary directory and built in turn as each variant; every server is the standalone
// `server.js` (or `next dev`), driven in Debian's Chromium.
//
// 1. middleware.ts as it is (the Edge runtime), with Turbopack and with webpack: JWT sessions
//    work everywhere; database sessions log AUTHLITE_EDGE_RUNTIME's message and its fix.
// 2. proxy.ts instead (the Node.js runtime) with database sessions: everything works, on SQLite
//    and on PostgreSQL (DATABASE_URL, a throwaway cluster).
// 3. The standalone server with an absolute AUTH_DB_PATH keeps its users across a rebuild;
//    without it, authlite warns that the database is inside .next/standalone.
// 4. `next dev`: editing auth.ts hot-reloads it, the session holds, and the server still has one
//    writer thread and the database file open only as often as one open database does.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

import { chromium } from 'playwright-core'

import { postgresAvailable, startCluster } from '../scripts/postgres-cluster.mjs'
import { CHROMIUM, CHROMIUM_ARGS, browserSkip, freePort } from './browser.mjs'

const require = createRequire(import.meta.url)
const { pack } = require('../scripts/pack.js')
const example = require('../scripts/nextjs-example.js')

const fixture = fileURLToPath(new URL('fixtures/next-example-app', import.meta.url))

const EDGE_ERROR = /authlite: getSessionAndUser: called on the Edge runtime of Next\.js/
const NAV_TIMEOUT = 120_000 // `next dev` compiles each page on its first visit

/** The parent pid and start time (clock ticks after boot) of process `pid`, from /proc. */
function procStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The fields after the command name, which may contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { ppid: Number(fields[1]), start: fields[19] }
}

/** The process ids of `pid` and all its descendants (Linux /proc). */
function processTree(pid) {
  const children = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const { ppid } = procStat(entry)
      if (!children.has(ppid)) children.set(ppid, [])
      children.get(ppid).push(Number(entry))
    } catch {
      // the process ended while we looked
    }
  }
  const tree = []
  const visit = (p) => {
    tree.push(p)
    for (const child of children.get(p) ?? []) visit(child)
  }
  visit(pid)
  return tree
}

/**
 * Sends `signal` to each of `processes` ([pid, start time] pairs) that still runs: a pid whose
 * start time changed belongs to another process now and is left alone.
 */
function signalProcesses(processes, signal) {
  for (const [pid, start] of processes) {
    try {
      if (procStat(pid).start === start) process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
}

/** How many file descriptors of process `pid` are open on `file`. */
function openHandles(pid, file) {
  let count = 0
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === file) count++
    } catch {
      // closed while we looked
    }
  }
  return count
}

/** The names of process `pid`'s threads. */
function threadNames(pid) {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
    } catch {
      return ''
    }
  })
}

describe('adopting authlite into an app shaped like the Auth.js example', { skip: browserSkip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'authlite-adoption-'))
  const app = join(work, 'app')
  const standalone = join(app, '.next', 'standalone')
  let browser
  let cluster
  // What one open database holds, measured in a plain Node.js process (see before()).
  let oneDatabase

  before(async () => {
    example.copyExample(app, pack(join(work, 'dist')), { from: fixture })
    example.install(app, { timeout: 300_000 }) // it takes about 10 s from npm's cache
    // One database opened through SqliteAdapter, after a write and a read (so that every
    // connection it makes is open): how often it holds the file, and its writer threads.
    const probe = join(work, 'probe.db')
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
        import { createRequire } from 'node:module'
        const { SqliteAdapter } = createRequire(${JSON.stringify(join(app, 'package.json'))})('authlite')
        const adapter = SqliteAdapter({ path: ${JSON.stringify(probe)} })
        const user = await adapter.createUser({ email: 'probe@example.com', emailVerified: null })
        await adapter.getUser(user.id)
        await adapter.createSession({ sessionToken: 't', userId: user.id, expires: new Date(Date.now() + 60000) })
        await adapter.getSessionAndUser('t')
        const handles = readdirSync('/proc/self/fd').filter((fd) => { try { return readlinkSync('/proc/self/fd/' + fd) === ${JSON.stringify(probe)} } catch { return false } }).length
        // A thread names itself once it first runs: on a busy machine, give it a moment.
        const count = () => readdirSync('/proc/self/task').filter((t) => readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim() === 'authlite-writer').length
        let writers = count()
        for (let waited = 0; writers === 0 && waited < 2000; waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20))
          writers = count()
        }
        console.log(JSON.stringify({ handles, writers }))
        `,
      ],
      { encoding: 'utf8' },
    )
    oneDatabase = JSON.parse(out)
    assert.ok(oneDatabase.handles >= 1, `one open database holds its file: ${out}`)
    assert.equal(oneDatabase.writers, 1, `one open database has one writer thread: ${out}`)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    if (postgresAvailable() || process.env.AUTHLITE_REQUIRE_POSTGRES === '1') cluster = await startCluster()
  })
  after(async () => {
    await browser?.close()
    await cluster?.stop()
    rmSync(work, { recursive: true, force: true })
  })

  /** Starts a server (`how`: 'standalone' or 'dev'); stopped when the test `t` ends. */
  async function serve(t, how, { env = {}, cwd } = {}) {
    let log = ''
    const waiters = new Set()
    const starter = how === 'dev' ? example.dev : example.startStandalone
    if (process.env.AUTHLITE_E2E_LOG) appendFileSync(process.env.AUTHLITE_E2E_LOG, `\n=== ${t.name}: ${how} ${JSON.stringify(env)}\n`)
    const { server, url } = await starter(app, {
      port: await freePort(),
      env: { NEXT_TELEMETRY_DISABLED: '1', ...env },
      cwd,
      onLog: (chunk) => {
        log += chunk
        if (process.env.AUTHLITE_E2E_LOG) appendFileSync(process.env.AUTHLITE_E2E_LOG, chunk)
        for (const check of waiters) check()
      },
    })
    let stopping = false
    server.once('exit', (code, signal) => {
      if (process.env.AUTHLITE_E2E_LOG) appendFileSync(process.env.AUTHLITE_E2E_LOG, `\n[server exited: ${code ?? signal}]\n`)
      if (!stopping) t.diagnostic(`the ${how} server exited on its own (${code ?? signal}); its log:\n${log}`)
    })
    const exited = new Promise((resolve) => server.once('exit', resolve))
    const stop = async () => {
      stopping = true
      if (server.exitCode !== null || server.signalCode !== null) return
      // `next dev` forks the server that does the work: end every process it started, each
      // identified by its start time too, so that no reused pid is ever signalled.
      const tree = processTree(server.pid).map((pid) => {
        try {
          return [pid, procStat(pid).start]
        } catch {
          return [pid, null]
        }
      })
      signalProcesses(tree, 'SIGTERM')
      await Promise.race([exited, sleep(10_000)])
      signalProcesses(tree, 'SIGKILL')
    }
    t.after(stop)
    /** Resolves with the first match of `pattern` in the server log (waiting for it). */
    const waitForLog = (pattern, what = String(pattern), timeout = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no ${what} in the server log:\n${log}`))
        }, timeout)
        const check = () => {
          const match = log.match(pattern)
          if (match) {
            clearTimeout(timer)
            waiters.delete(check)
            resolve(match)
          }
        }
        waiters.add(check)
        check()
      })
    return { server, url, log: () => log, waitForLog, stop }
  }

  async function newPage(t) {
    const context = await browser.newContext()
    t.after(() => context.close())
    const page = await context.newPage()
    page.setDefaultTimeout(NAV_TIMEOUT)
    page.setDefaultNavigationTimeout(NAV_TIMEOUT)
    return page
  }

  /** Visits `path` and checks that it answered 200. */
  async function visit(page, url, path) {
    const response = await page.goto(`${url}${path}`)
    assert.equal(response.status(), 200, `${path} answers 200`)
    return response
  }

  /** Signs in by email on the home page with the magic link from the server log. */
  async function signIn(page, srv, email) {
    await visit(page, srv.url, '/')
    await page.getByTestId('header-signed-out').waitFor()
    await page.fill('input[name=email]', email)
    await page.click('button[type=submit]')
    await page.waitForURL(/\/api\/auth\/verify-request/)
    const escaped = email.replace(/[.+]/g, '\\$&')
    const [, link] = await srv.waitForLog(new RegExp(`Magic link for ${escaped}: (\\S+)`), `magic link for ${email}`)
    await page.goto(link)
    await page.waitForURL(`${srv.url}/`)
  }

  /** The JSON of /api/auth/session, checked to carry no session token. */
  async function sessionJson(page, url) {
    const response = await page.goto(`${url}/api/auth/session`)
    assert.equal(response.status(), 200)
    const text = await response.text()
    const cookie = (await page.context().cookies()).find((c) => c.name === 'authjs.session-token')
    if (cookie) assert.ok(!text.includes(cookie.value), `/api/auth/session must not contain the session token: ${text}`)
    assert.doesNotMatch(text, /sessionToken|"userId"/, `/api/auth/session exposes only the safe fields: ${text}`)
    return JSON.parse(text)
  }

  /** Every page, signed out. */
  async function checkSignedOut(page, url) {
    await visit(page, url, '/')
    await page.getByTestId('header-signed-out').waitFor()
    await page.getByTestId('no-session').waitFor()
    await visit(page, url, '/server-example')
    await page.getByTestId('no-session').waitFor()
    await visit(page, url, '/client-example')
    assert.equal(await page.getByTestId('status').filter({ hasText: /^(authenticated|unauthenticated)$/ }).textContent(), 'unauthenticated')
    await visit(page, url, '/api-example')
    assert.deepEqual(JSON.parse(await page.getByTestId('api-response').filter({ hasText: /./ }).textContent()), {
      status: 401,
      body: { message: 'Not authenticated' },
    })
    await page.goto(`${url}/middleware-example`)
    assert.match(page.url(), /\/api\/auth\/signin\?callbackUrl=/, 'the middleware sends a signed-out visitor to sign in')
    assert.equal(await sessionJson(page, url), null)
  }

  /** Every page, signed in as `email`; returns the user id the pages show. */
  async function checkSignedIn(page, url, email) {
    await visit(page, url, '/')
    assert.equal(await page.getByTestId('header-email').textContent(), email)
    assert.equal(await page.getByTestId('email').textContent(), email)
    const userId = await page.getByTestId('user-id').textContent()
    assert.match(userId, /^[0-9a-f-]{36}$/, 'the page shows the user id')
    await visit(page, url, '/server-example')
    assert.equal(await page.getByTestId('email').textContent(), email)
    assert.equal(await page.getByTestId('user-id').textContent(), userId)
    await visit(page, url, '/client-example')
    assert.equal(await page.getByTestId('status').filter({ hasText: /^(authenticated|unauthenticated)$/ }).textContent(), 'authenticated')
    assert.equal(await page.getByTestId('email').textContent(), email)
    await visit(page, url, '/api-example')
    assert.deepEqual(JSON.parse(await page.getByTestId('api-response').filter({ hasText: /./ }).textContent()), {
      status: 200,
      body: { data: 'Protected data', email },
    })
    await visit(page, url, '/middleware-example')
    await page.getByTestId('middleware-protected').waitFor()
    const session = await sessionJson(page, url)
    assert.deepEqual(Object.keys(session).sort(), ['expires', 'user'])
    assert.deepEqual(session.user, { id: userId, name: null, email, image: null })
    return userId
  }

  async function signOut(page, url) {
    await visit(page, url, '/')
    // Let the prefetches of the header's links finish first: the middleware answers each with a
    // refreshed session cookie, and one that arrives after the sign-out's cleared cookie signs the
    // user in again (one run here found the user still signed in on the next page).
    await page.waitForLoadState('networkidle')
    await page.getByRole('button', { name: 'Sign Out' }).click()
    await page.getByTestId('header-signed-out').waitFor()
    await page.waitForLoadState('networkidle')
  }

  const useProxy = (yes) => {
    if (yes) {
      rmSync(join(app, 'middleware.ts'), { force: true })
      writeFileSync(
        join(app, 'proxy.ts'),
        `// The fix the AUTHLITE_EDGE_RUNTIME message gives: proxy.ts runs on the Node.js runtime.
export { auth as proxy } from "./auth"

export const config = {
  matcher: ["/((?!api|_next/static|_next/image|favicon.ico).*)"],
}
`,
      )
    } else {
      rmSync(join(app, 'proxy.ts'), { force: true })
      writeFileSync(join(app, 'middleware.ts'), readFileSync(join(fixture, 'middleware.ts')))
    }
  }

  /** `next build` (the fixture's output: standalone), opening the build-time database at `db`. */
  const build = (bundler, db) => example.build(app, { webpack: bundler === 'webpack', env: { AUTH_DB_PATH: db, NEXT_TELEMETRY_DISABLED: '1' } })

  for (const bundler of ['turbopack', 'webpack']) {
    test(`middleware.ts as in the Auth.js example (${bundler}): JWT sessions work, database sessions say why not`, async (t) => {
      useProxy(false)
      build(bundler, join(work, `build-${bundler}.db`))
      const manifest = JSON.parse(readFileSync(join(app, '.next', 'server', 'middleware-manifest.json'), 'utf8'))
      const db = join(work, `middleware-${bundler}.db`)

      // JWT sessions (the example's choice): the middleware never calls the adapter, so with the
      // edge build of authlite every page works, signed out and signed in.
      {
        const srv = await serve(t, 'standalone', { env: { AUTH_DB_PATH: db, AUTH_SESSION_STRATEGY: 'jwt' } })
        const page = await newPage(t)
        await checkSignedOut(page, srv.url)
        const email = `jwt.${bundler}@example.com`
        await signIn(page, srv, email)
        await checkSignedIn(page, srv.url, email)
        await signOut(page, srv.url)
        await checkSignedOut(page, srv.url)
        assert.doesNotMatch(srv.log(), /AUTHLITE_|authlite:|\[auth\]\[error\]/, `server log:\n${srv.log()}`)
        await srv.stop()
      }

      // Database sessions, from the same build (made without AUTH_SESSION_STRATEGY, so JWT if it
      // were inlined): the Edge middleware reads process.env when the server runs, as the
      // getSessionAndUser call below shows.
      const srv = await serve(t, 'standalone', { env: { AUTH_DB_PATH: db, AUTH_SESSION_STRATEGY: 'database' } })
      const page = await newPage(t)
      await checkSignedOut(page, srv.url) // no session cookie: the middleware never asks the adapter
      const email = `database.${bundler}@example.com`
      await signIn(page, srv, email) // /api/auth/* is not matched by the middleware: Node.js
      // Verified with Next 16.4.6: both bundlers compile middleware.ts for the Edge runtime (the
      // middleware manifest lists it; webpack even warns during the build that jose uses
      // CompressionStream, "not supported in the Edge Runtime"). So with database sessions the
      // middleware imports authlite's edge build, whose getSessionAndUser rejects, on the first
      // request that carries a session cookie and on every one after. Auth.js logs it twice per
      // request (AdapterError, then SessionTokenError), each with authlite's message as the cause;
      // Auth.js logs no error `code`, so the message ends with it.
      assert.ok(manifest.middleware['/'], `${bundler} compiles middleware.ts for the Edge runtime`)
      t.diagnostic(`${bundler}: middleware.ts was compiled for the Edge runtime`)
      const [cause] = await srv.waitForLog(/\[auth\]\[cause\]\S*: Error: authlite: getSessionAndUser: .*/, 'the AUTHLITE_EDGE_RUNTIME message')
      assert.match(cause, EDGE_ERROR)
      assert.match(cause, /middleware\.ts.*proxy\.ts/)
      assert.match(cause, /export \{ auth as proxy \} from "\.\/auth"/)
      assert.match(cause, /runtime: "nodejs"/)
      assert.match(cause, /\(AUTHLITE_EDGE_RUNTIME\)$/)
      // The pages themselves render on Node.js, where auth() reads the database session...
      await visit(page, srv.url, '/server-example')
      assert.equal(await page.getByTestId('email').textContent(), email)
      // ...but the middleware cannot: it sends the signed-in user to sign in.
      await page.goto(`${srv.url}/middleware-example`)
      assert.match(page.url(), /\/api\/auth\/signin\?callbackUrl=/)
      assert.doesNotMatch(srv.log(), /AUTHLITE_NO_BINARY|AUTHLITE_BUNDLED|AUTHLITE_UNSUPPORTED_RUNTIME|Cannot find native binding|no native binary/, `server log:\n${srv.log()}`)
    })
  }

  test('proxy.ts with database sessions, standalone server: every page works, users survive a rebuild', async (t) => {
    useProxy(true)
    const db = join(work, 'standalone.db') // absolute, outside the app and its build output
    build('turbopack', db)
    const env = { AUTH_DB_PATH: db, AUTH_SESSION_STRATEGY: 'database' }
    const email = 'standalone@example.com'
    const page = await newPage(t)
    let userId
    {
      const srv = await serve(t, 'standalone', { env })
      await checkSignedOut(page, srv.url)
      await signIn(page, srv, email)
      userId = await checkSignedIn(page, srv.url, email)
      assert.doesNotMatch(srv.log(), /AUTHLITE_|authlite:|\[auth\]\[error\]/, `server log:\n${srv.log()}`)
      await srv.stop()
    }

    // Started from the standalone directory without AUTH_DB_PATH, "./auth.db" is inside
    // .next/standalone (server.js changes into its own directory): authlite warns.
    {
      const srv = await serve(t, 'standalone', { cwd: standalone, env: { AUTH_SESSION_STRATEGY: 'database' } })
      const probe = await newPage(t)
      await visit(probe, srv.url, '/')
      const [warning] = await srv.waitForLog(/.*\[AUTHLITE_PATH_IN_BUILD_OUTPUT\] Warning: .*/, 'the AUTHLITE_PATH_IN_BUILD_OUTPUT warning')
      assert.match(warning, /\[AUTHLITE_PATH_IN_BUILD_OUTPUT\] Warning: authlite: /)
      assert.ok(warning.includes(join(standalone, 'auth.db')), `the warning names the resolved path: ${warning}`)
      assert.match(warning, /AUTH_DB_PATH/)
      assert.equal(srv.log().match(/AUTHLITE_PATH_IN_BUILD_OUTPUT/g).length, 1, 'warned once')
      await srv.stop()
      assert.ok(existsSync(join(standalone, 'auth.db')), 'that database was created in .next/standalone')
    }

    // Rebuild (as a deploy would), start again: the database at AUTH_DB_PATH kept the user and
    // the session; the one inside .next/standalone is gone.
    build('turbopack', db)
    assert.ok(!existsSync(join(standalone, 'auth.db')), 'the rebuild deleted .next/standalone/auth.db')
    const srv = await serve(t, 'standalone', { env })
    await visit(page, srv.url, '/')
    assert.equal(await page.getByTestId('user-id').textContent(), userId, 'the session is still valid after the rebuild')
    await signOut(page, srv.url)
    await signIn(page, srv, email)
    assert.equal(await checkSignedIn(page, srv.url, email), userId, 'signing in again finds the same user')
    assert.doesNotMatch(srv.log(), /AUTHLITE_|authlite:|\[auth\]\[error\]/, `server log:\n${srv.log()}`)
 
    // The same build on PostgreSQL: the app's auth.ts takes DATABASE_URL when it is set.
    if (cluster) {
      await srv.stop()
      const pg = await serve(t, 'standalone', { env: { DATABASE_URL: await cluster.createDatabase(), AUTH_SESSION_STRATEGY: 'database' } })
      const other = await newPage(t)
      await checkSignedOut(other, pg.url)
      await signIn(other, pg, 'postgres@example.com')
      await checkSignedIn(other, pg.url, 'postgres@example.com')
      await visit(other, pg.url, '/')
      await signOut(other, pg.url)
      await checkSignedOut(other, pg.url)
      assert.doesNotMatch(pg.log(), /AUTHLITE_|authlite:|\[auth\]\[error\]/, `server log:\n${pg.log()}`)
      t.diagnostic('the same build signed in and out on PostgreSQL')
    }
  })

  test('next dev (Turbopack), proxy.ts: editing auth.ts keeps the session and one open database', async (t) => {
    useProxy(true)
    const db = join(work, 'dev.db')
    const srv = await serve(t, 'dev', { env: { AUTH_DB_PATH: db, AUTH_SESSION_STRATEGY: 'database' } })
    const page = await newPage(t)
    const email = 'dev@example.com'
    await signIn(page, srv, email)
    // Every page, so that every module graph that imports auth.ts (proxy.ts, pages, route
    // handlers, server actions) has evaluated it: each calls SqliteAdapter. (Were the database not
    // reused, the dev server would now hold several, e.g. 5 writer threads where one belongs.)
    const userId = await checkSignedIn(page, srv.url, email)
    await visit(page, srv.url, '/')
    assert.equal(await page.getByTestId('revision').textContent(), 'auth.ts revision 1')

    /** The processes of the dev server that hold the database: pid -> [handles, writer threads]. */
    const holders = () =>
      Object.fromEntries(
        processTree(srv.server.pid)
          .map((pid) => {
            try {
              return [pid, [openHandles(pid, db), threadNames(pid).filter((n) => n === 'authlite-writer').length]]
            } catch {
              return [pid, [0, 0]]
            }
          })
          .filter(([, [handles, writers]]) => handles > 0 || writers > 0),
      )
    const held = holders()
    t.diagnostic(`next dev: ${Object.keys(held).length} process holds the database, ${Object.values(held)[0]?.[0]} times (one open database: ${oneDatabase.handles}), with ${Object.values(held)[0]?.[1]} authlite-writer thread`)
    assert.equal(Object.keys(held).length, 1, `one process of next dev holds the database: ${JSON.stringify(held)}`)
    assert.deepEqual(Object.values(held)[0], [oneDatabase.handles, 1], 'as often as one open database, with one writer thread')

    // Edit auth.ts: next dev re-evaluates it (and every module importing it) on the next request.
    // No page is open meanwhile: the dev client of an open page reloads it when the edit lands,
    // which would abort whatever navigation the test has started by then.
    await page.goto('about:blank')
    const authTs = join(app, 'auth.ts')
    writeFileSync(authTs, readFileSync(authTs, 'utf8').replace('auth.ts revision 1', 'auth.ts revision 2'))
    t.after(() => writeFileSync(authTs, readFileSync(join(fixture, 'auth.ts'))))
    const deadline = Date.now() + 60_000
    for (;;) {
      // With the browser's cookies, as the page would ask.
      const home = await page.request.get(`${srv.url}/`)
      assert.equal(home.status(), 200)
      if ((await home.text()).includes('auth.ts revision 2')) break
      assert.ok(Date.now() < deadline, 'next dev did not pick up the edit of auth.ts within a minute')
      await sleep(1000)
    }
    await visit(page, srv.url, '/')
    assert.equal(await page.getByTestId('revision').textContent(), 'auth.ts revision 2')
    assert.equal(await page.getByTestId('email').textContent(), email, 'the session holds after auth.ts reloaded')
    assert.equal(await checkSignedIn(page, srv.url, email), userId, 'on every page')

    const now = holders()
    const [pid] = Object.keys(held)
    assert.deepEqual(now[pid], held[pid], `after the reload, the same process holds the database as often, with one writer thread: ${JSON.stringify({ held, now })}`)
    // next dev may start another process meanwhile (seen once in CI, with its own database): a
    // process of its own opens its own database, but none may hold more than one.
    for (const [other, holds] of Object.entries(now)) {
      assert.deepEqual(holds, [oneDatabase.handles, 1], `process ${other} holds one database, with one writer thread: ${JSON.stringify(now)}`)
    }
    if (Object.keys(now).length > 1) t.diagnostic(`next dev: ${Object.keys(now).length} processes hold the database after the edit`)
    assert.doesNotMatch(srv.log(), /AUTHLITE_|authlite:|\[auth\]\[error\]/, `server log:\n${srv.log()}`)
  })
})
