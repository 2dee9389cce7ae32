// next-auth v4 (4.24, still the most installed version) signs in by email with the same adapter,
// through v4's own request handler (next-auth/core's AuthHandler), with database sessions. On
// each backend.

import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'

import { adapterMethods, forEachBackend, freshAdapter } from './helpers.mjs'

// AuthHandler is what v4's Next.js API-route and route handlers both call; the package does not
// export its path, so it is required by file.
const require = createRequire(import.meta.url)
const { AuthHandler } = require('../compat/next-auth-v4/node_modules/next-auth/core/index.js')
const ORIGIN = 'http://localhost:3000'

/** A browser for v4's AuthHandler: JSON bodies, cookies kept between calls. */
function v4Browser(options) {
  const cookies = new Map()
  const call = async (path, { method = 'GET', body } = {}) => {
    const headers = { host: 'localhost:3000', cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
    if (body) headers['content-type'] = 'application/json'
    const request = new Request(new URL(path, ORIGIN), { method, headers, body: body && JSON.stringify(body) })
    const response = await AuthHandler({ req: request, options })
    for (const { name, value, options: o } of response.cookies ?? []) {
      if (value === '' || o?.maxAge === 0 || (o?.expires && new Date(o.expires) < new Date())) cookies.delete(name)
      else cookies.set(name, value)
    }
    return response
  }
  const csrf = async () => (await call('/api/auth/csrf')).body.csrfToken
  return { call, csrf, cookies }
}

forEachBackend((backend) => {
  test('email sign-in, session read and sign-out through next-auth v4', async () => {
    const adapter = adapterMethods(await freshAdapter({}, backend))
    const links = []
    const options = {
      adapter,
      secret: 'next-auth-v4-test-secret-0123456789',
      session: { strategy: 'database' },
      providers: [
        {
          id: 'email',
          type: 'email',
          name: 'Email',
          server: {},
          from: 'auth@example.com',
          maxAge: 24 * 60 * 60,
          options: {},
          async sendVerificationRequest({ identifier, url }) {
            links.push({ identifier, url })
          },
        },
      ],
      logger: { error() {}, warn() {}, debug() {} },
    }
    const browser = v4Browser(options)

    const signIn = await browser.call('/api/auth/signin/email', {
      method: 'POST',
      body: { csrfToken: await browser.csrf(), email: 'v4.user@example.com', callbackUrl: `${ORIGIN}/account`, json: 'true' },
    })
    assert.match(signIn.redirect, /\/api\/auth\/verify-request/)
    assert.equal(links.length, 1)
    assert.equal(links[0].identifier, 'v4.user@example.com')

    const callback = await browser.call(links[0].url)
    assert.equal(callback.redirect, `${ORIGIN}/account`)
    const token = browser.cookies.get('next-auth.session-token')
    assert.ok(token, 'v4 set its session cookie')

    const session = await browser.call('/api/auth/session')
    assert.equal(session.body.user.email, 'v4.user@example.com')
    const stored = await adapter.getSessionAndUser(token)
    assert.equal(stored.user.email, 'v4.user@example.com')
    assert.ok(stored.user.emailVerified instanceof Date)

    const reuse = await v4Browser(options).call(links[0].url)
    assert.match(reuse.redirect ?? '', /error=Verification/, 'a used link does not sign in again')

    await browser.call('/api/auth/signout', { method: 'POST', body: { csrfToken: await browser.csrf() } })
    assert.equal(await adapter.getSessionAndUser(token), null, 'sign-out deleted the session')
    assert.deepEqual((await browser.call('/api/auth/session')).body, {})
  })
})
