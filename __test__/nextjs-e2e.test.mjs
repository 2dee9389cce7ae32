// End to end: the Next.js 16 example, built against the packed tarballs (`next build`, then
// `next start` on localhost), driven in Debian's Chromium: sign in by email with the link from
// the server log, see the protected page (proxy.ts + the database session), reload; add a
// passkey (a CDP virtual authenticator), sign out and back in with it, twice, its counter
// rising in the database; then delete the user through the adapter and see the passkey refused.
// With Turbopack (Next 16's default bundler) and with webpack, each build run once on SQLite and
// once on PostgreSQL (DATABASE_URL, a throwaway cluster).
//
// AUTHLITE_SCREENSHOTS=1 saves the pages as the README shows them (docs/screenshots/*.png),
// from the Turbopack build on SQLite.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { chromium } from 'playwright-core'

import { postgresAvailable, startCluster } from '../scripts/postgres-cluster.mjs'
import { CHROMIUM, CHROMIUM_ARGS, browserSkip, freePort } from './browser.mjs'

const require = createRequire(import.meta.url)
const { pack } = require('../scripts/pack.js')
const example = require('../scripts/nextjs-example.js')

const screenshots = process.env.AUTHLITE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../docs/screenshots/', import.meta.url)) : null

describe('Next.js example in a real browser', { skip: browserSkip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'authlite-next-'))
  const app = join(work, 'app')
  let browser
  let cluster
  const backends = postgresAvailable() || process.env.AUTHLITE_REQUIRE_POSTGRES === '1' ? ['sqlite', 'postgres'] : ['sqlite']

  before(async () => {
    example.copyExample(app, pack(join(work, 'dist')))
    example.install(app)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    if (backends.includes('postgres')) cluster = await startCluster()
    if (screenshots) mkdirSync(screenshots, { recursive: true })
  })
  after(async () => {
    await browser?.close()
    await cluster?.stop()
    rmSync(work, { recursive: true, force: true })
  })

  for (const bundler of ['turbopack', 'webpack']) {
    test(`sign in by email and by passkey, protected page, sign out, deleted user (${bundler})`, async (t) => {
      example.build(app, { webpack: bundler === 'webpack' })
      for (const backend of backends) {
        await t.test(backend, async (t) => signInFlow(t, bundler, backend))
      }
    })
  }

  /**
   * Runs `fn(adapter, ...args)` in a child process on the database the server uses, through the
   * app's own authlite (SqliteAdapter on the same file, as a second process would: never a second
   * SQLite library in this process), and resolves with its JSON result.
   */
  async function withAdapter(where, fn, ...args) {
    const script = `
      const { PostgresAdapter, SqliteAdapter } = require('authlite')
      const where = JSON.parse(process.argv[1])
      const adapter = where.url ? PostgresAdapter({ url: where.url }) : SqliteAdapter({ path: where.path })
      ;(${fn})(adapter, ...JSON.parse(process.argv[2])).then(
        (out) => { process.stdout.write(JSON.stringify(out ?? null)); process.exit(0) },
        (err) => { console.error(err); process.exit(1) },
      )
    `
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(where), JSON.stringify(args)], {
      cwd: app,
      encoding: 'utf8',
    })
    return JSON.parse(stdout)
  }

  /** The user's passkeys as the adapter reads them. */
  const passkeysOf = (where, email) =>
    withAdapter(
      where,
      async (adapter, email) => adapter.listAuthenticatorsByUserId((await adapter.getUserByEmail(email)).id),
      email,
    )

  /** The flow on one build: the server started on SQLite (a file) or PostgreSQL (a new database). */
  async function signInFlow(t, bundler, backend) {
    const where = backend === 'postgres' ? { url: await cluster.createDatabase() } : { path: join(work, `${bundler}.db`) }
    const env = backend === 'postgres' ? { DATABASE_URL: where.url } : { AUTH_DB_PATH: where.path }
    const shoot = screenshots && bundler === 'turbopack' && backend === 'sqlite'
    const screenshot = async (name) => {
      if (shoot) await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true })
    }
    let log = ''
    const waiters = new Set()
    const { server, url } = await example.start(app, {
      port: await freePort(),
      env,
      onLog: (chunk) => {
        log += chunk
        for (const check of waiters) check()
      },
    })
    t.after(() => server.kill())
    const magicLink = (email) =>
      new Promise((resolve, reject) => {
        const pattern = new RegExp(`Magic link for ${email.replace(/\./g, '\\.')}: (\\S+)`)
        const timer = setTimeout(() => reject(new Error(`no magic link in the server log:\n${log}`)), 15_000)
        const check = () => {
          const match = log.match(pattern)
          if (match) {
            clearTimeout(timer)
            waiters.delete(check)
            resolve(match[1])
          }
        }
        waiters.add(check)
        check()
      })

    const context = await browser.newContext({ viewport: { width: 820, height: 640 } })
    t.after(() => context.close())
    const page = await context.newPage()
    // What a visitor would see in the console: errors, and requests that fail (a missing favicon).
    const problems = []
    // The resource's URL too: a console error can arrive before its failed response is reported.
    page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()} (${message.location().url || 'no URL'})`))
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('response', (response) => response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`))
    // A platform authenticator holding discoverable credentials, as a phone or laptop has.
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable')
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    })
    const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials

    await page.goto(`${url}/dashboard`)
    assert.equal(new URL(page.url()).pathname, '/signin', 'proxy.ts sends a signed-out visitor to sign in')
    assert.equal(new URL(page.url()).searchParams.get('callbackUrl'), '/dashboard')

    await page.goto(url)
    await page.getByTestId('signed-out').waitFor()
    const icon = await page.locator('link[rel=icon]').getAttribute('href')
    const iconResponse = await fetch(new URL(icon, url))
    assert.equal(iconResponse.status, 200, `the favicon ${icon}`)
    assert.match(iconResponse.headers.get('content-type'), /^image\/svg\+xml/)
    // What a browser asks for on its own, on pages without an icon link (it failed this test now
    // and then as a 404 in the console).
    const favicon = await fetch(new URL('/favicon.ico', url))
    assert.equal(favicon.status, 200, '/favicon.ico')
    assert.match(favicon.headers.get('content-type'), /^image\/svg\+xml/)
    await screenshot('home')

    await page.getByRole('link', { name: 'Sign in' }).click()
    await page.waitForURL(`${url}/signin`)
    await screenshot('signin')
    const email = 'ada@example.com' // each run has a database of its own
    await page.fill('input[name=email]', email)
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click()
    // The server action redirects to /api/auth/verify-request, which redirects to the example's
    // own page; Next's router renders that page but keeps the first URL in the address bar.
    await page.waitForURL(/\/verify-request\?/)
    await page.getByText('your sign-in link is printed in the terminal').waitFor()
    await screenshot('verify-request')

    await page.goto(await magicLink(email))
    await page.waitForURL(`${url}/dashboard`)
    assert.equal(await page.getByTestId('email').textContent(), email)
    assert.equal(await page.getByTestId('expires').textContent(), 'in 30 days')
    await page.getByTestId('no-passkeys').waitFor()

    await page.reload()
    assert.equal(await page.getByTestId('email').textContent(), email, 'the session is read again from the database')

    // Add a passkey: the browser creates the credential, Auth.js stores it through the adapter.
    await page.getByRole('button', { name: 'Add a passkey' }).click()
    await page.getByTestId('passkey').waitFor()
    const [credential] = await credentials()
    assert.equal((await credentials()).length, 1)
    let [stored] = await passkeysOf(where, email)
    assert.equal(stored.credentialID, credential.credentialId, 'the row holds the credential the browser made')
    assert.equal(stored.counter, credential.signCount, "the stored counter is the authenticator's")
    assert.equal(stored.transports, 'internal')
    assert.equal(Number(await page.getByTestId('counter').textContent()), stored.counter)
    await screenshot('dashboard')

    // Sign out and back in with the passkey, twice: each use raises the counter in the database.
    for (let use = 1; use <= 2; use++) {
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.waitForURL(`${url}/`)
      await page.getByTestId('signed-out').waitFor()
      await page.goto(`${url}/signin`)
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
      await page.waitForURL(`${url}/dashboard`)
      assert.equal(await page.getByTestId('email').textContent(), email, `passkey sign-in ${use} lands on the dashboard`)
      const before = stored.counter
      ;[stored] = await passkeysOf(where, email)
      const [{ signCount }] = await credentials()
      assert.ok(stored.counter > before, `use ${use}: the counter went from ${before} to ${stored.counter}`)
      assert.equal(stored.counter, signCount, `use ${use}: the stored counter is the authenticator's`)
      assert.equal(Number(await page.getByTestId('counter').textContent()), stored.counter)
    }

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${url}/`)
    await page.getByTestId('signed-out').waitFor()
    await page.goto(`${url}/dashboard`)
    assert.equal(new URL(page.url()).pathname, '/signin', 'after sign-out the protected page refuses')
    assert.doesNotMatch(log, /Error|Cannot find native binding/i, `server log:\n${log}`)

    // Delete the user (their accounts, sessions and passkeys go with them): the passkey the
    // browser still holds signs nobody in.
    const gone = await withAdapter(
      where,
      async (adapter, email, credentialID) => {
        await adapter.deleteUser((await adapter.getUserByEmail(email)).id)
        return { user: await adapter.getUserByEmail(email), passkey: await adapter.getAuthenticator(credentialID) }
      },
      email,
      credential.credentialId,
    )
    assert.deepEqual(gone, { user: null, passkey: null })
    const logBefore = log.length
    await page.goto(`${url}/signin`)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.getByTestId('error').waitFor()
    assert.equal(new URL(page.url()).pathname, '/signin')
    await page.goto(`${url}/dashboard`)
    assert.equal(new URL(page.url()).pathname, '/signin', "a deleted user's passkey does not sign in")
    const refusal = log.slice(logBefore).replace(/\x1b\[\d+m/g, '') // Auth.js colours its log
    assert.match(refusal, /\[auth\]\[error\] AuthError: WebAuthn authenticator not found in database/)
    assert.equal(refusal.match(/\[auth\]\[error\]/g).length, 1, `server log:\n${refusal}`)
    assert.doesNotMatch(refusal, /Cannot find native binding|uncaught|unhandled/i, `server log:\n${refusal}`)

    assert.deepEqual(problems, [], 'no console errors or failed requests in the browser')
  }
})
