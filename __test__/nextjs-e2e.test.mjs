// End to end: the Next.js 16 example, built against the packed tarballs (`next build`, then
// `next start` on localhost), driven in Debian's Chromium: sign in by email with the link from
// the server log, see the protected page (proxy.ts + the database session), reload, sign out,
// see the page refuse. With Turbopack (Next 16's default bundler) and with webpack, each build
// run once on SQLite and once on PostgreSQL (DATABASE_URL, a throwaway cluster).

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { chromium } from 'playwright-core'

import { postgresAvailable, startCluster } from '../scripts/postgres-cluster.mjs'
import { CHROMIUM, CHROMIUM_ARGS, browserSkip, freePort } from './browser.mjs'

const require = createRequire(import.meta.url)
const { pack } = require('../scripts/pack.js')
const example = require('../scripts/nextjs-example.js')

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
  })
  after(async () => {
    await browser?.close()
    await cluster?.stop()
    rmSync(work, { recursive: true, force: true })
  })

  for (const bundler of ['turbopack', 'webpack']) {
    test(`sign in, protected page, reload, sign out (${bundler})`, async (t) => {
      example.build(app, { webpack: bundler === 'webpack' })
      for (const backend of backends) {
        await t.test(backend, async (t) => signInFlow(t, bundler, backend))
      }
    })
  }

  /** The flow on one build: the server started on SQLite (a file) or PostgreSQL (a new database). */
  async function signInFlow(t, bundler, backend) {
    const env =
      backend === 'postgres' ? { DATABASE_URL: await cluster.createDatabase() } : { AUTH_DB_PATH: join(work, `${bundler}.db`) }
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

    const context = await browser.newContext()
    t.after(() => context.close())
    const page = await context.newPage()

    await page.goto(`${url}/dashboard`)
    assert.match(page.url(), /\/api\/auth\/signin\?callbackUrl=/, 'proxy.ts sends a signed-out visitor to sign in')

    await page.goto(url)
    await page.getByTestId('signed-out').waitFor()
    const email = `${bundler}.${backend}.user@example.com`
    await page.fill('input[name=email]', email)
    await page.click('button[type=submit]')
    await page.waitForURL(/\/api\/auth\/verify-request/)

    await page.goto(await magicLink(email))
    await page.waitForURL(`${url}/dashboard`)
    assert.equal(await page.getByTestId('email').textContent(), email)

    await page.reload()
    assert.equal(await page.getByTestId('email').textContent(), email, 'the session is read again from the database')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${url}/`)
    await page.getByTestId('signed-out').waitFor()

    await page.goto(`${url}/dashboard`)
    assert.match(page.url(), /\/api\/auth\/signin/, 'after sign-out the protected page refuses')
    assert.doesNotMatch(log, /Error|Cannot find native binding/i, `server log:\n${log}`)
  }
})
