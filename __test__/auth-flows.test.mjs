// Real sign-in flows through @auth/core's Auth() handler with database sessions on authlite,
// on each backend.

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'

import { AuthClient, emailProvider, ORIGIN } from './auth-client.mjs'
import { adapterMethods, forEachBackend, freshAdapter, rows } from './helpers.mjs'

const MAX_AGE = 30 * 24 * 60 * 60
const UPDATE_AGE = 24 * 60 * 60

/** A fresh database on `backend`, with `where` to inspect it, and an Auth() config on it. */
async function setup(backend) {
  const where = await freshAdapter({}, backend)
  const adapter = adapterMethods(where)
  const links = []
  const config = {
    adapter,
    providers: [emailProvider((link) => links.push(link))],
    secret: 'a-test-secret-that-is-long-enough-0123456789',
    trustHost: true,
    basePath: '/auth',
    session: { strategy: 'database', maxAge: MAX_AGE, updateAge: UPDATE_AGE },
    logger: { error() {}, warn() {}, debug() {} },
  }
  return { where, adapter, links, browser: new AuthClient(config) }
}

async function signIn({ browser, links }, email) {
  const response = await browser.post('/auth/signin/email', { email, callbackUrl: `${ORIGIN}/dashboard` })
  assert.equal(response.status, 302)
  assert.match(response.headers.get('location'), /\/auth\/verify-request/)
  const link = links.at(-1)
  assert.equal(link.identifier, email)
  const callback = await browser.request(link.url)
  assert.equal(callback.status, 302)
  assert.equal(callback.headers.get('location'), `${ORIGIN}/dashboard`)
  return link
}

forEachBackend((backend) => {
  describe('email (magic link) sign-in with database sessions', () => {
    test('signs a new user in; /session reads the user; the database holds the user and the session', async () => {
      const ctx = await setup(backend)
      await signIn(ctx, 'new.user@example.com')
      const token = ctx.browser.sessionToken()
      assert.ok(token, 'a session cookie was set')

      const session = await ctx.browser.session()
      assert.equal(session.user.email, 'new.user@example.com')
      assert.ok(new Date(session.expires).getTime() > Date.now() + (MAX_AGE - 60) * 1000)

      const user = await ctx.adapter.getUserByEmail('new.user@example.com')
      assert.ok(user.emailVerified instanceof Date, 'email sign-in marks the email verified')
      const found = await ctx.adapter.getSessionAndUser(token)
      assert.equal(found.user.id, user.id)
      assert.deepEqual(await rows(ctx.where, 'SELECT count(*) AS n FROM "verificationToken"'), [{ n: 0 }], 'the link token was used up')
      const hashed = createHash('sha256').update(token).digest('hex')
      assert.deepEqual(await rows(ctx.where, 'SELECT "sessionToken" FROM "session"'), [{ sessionToken: hashed }], 'the cookie\'s token is stored hashed')
    })

    test('a second sign-in finds the same user', async () => {
      const ctx = await setup(backend)
      await signIn(ctx, 'again@example.com')
      const first = (await ctx.browser.session()).user
      ctx.browser.cookies.clear()
      await signIn(ctx, 'again@example.com')
      const user = await ctx.adapter.getUserByEmail('again@example.com')
      assert.equal((await ctx.browser.session()).user.email, first.email)
      assert.deepEqual(await rows(ctx.where, 'SELECT count(*) AS n FROM "user"'), [{ n: 1 }])
      assert.deepEqual(await rows(ctx.where, 'SELECT count(*) AS n FROM "session" WHERE "userId" = ?', [user.id]), [{ n: 2 }])
    })

    test('a used magic link cannot sign in again', async () => {
      const ctx = await setup(backend)
      const link = await signIn(ctx, 'once@example.com')
      const stranger = new AuthClient(ctx.browser.config)
      const reuse = await stranger.request(link.url)
      assert.equal(reuse.status, 302)
      assert.match(reuse.headers.get('location'), /error=Verification/)
      assert.equal(stranger.sessionToken(), undefined)
      assert.equal(await stranger.session(), null)
    })

    test('an expired session is refused and deleted', async () => {
      const ctx = await setup(backend)
      await signIn(ctx, 'expired@example.com')
      const token = ctx.browser.sessionToken()
      await ctx.adapter.updateSession({ sessionToken: token, expires: new Date(Date.now() - 1000) })
      assert.equal(await ctx.browser.session(), null)
      assert.equal(await ctx.adapter.getSessionAndUser(token), null)
      assert.deepEqual(await rows(ctx.where, 'SELECT count(*) AS n FROM "session"'), [{ n: 0 }])
    })

    test('a session last updated more than updateAge ago is extended to maxAge', async () => {
      const ctx = await setup(backend)
      await signIn(ctx, 'extend@example.com')
      const token = ctx.browser.sessionToken()
      const stale = new Date(Date.now() + (MAX_AGE - UPDATE_AGE - 60) * 1000)
      await ctx.adapter.updateSession({ sessionToken: token, expires: stale })
      const before = Date.now()
      const session = await ctx.browser.session()
      assert.equal(session.user.email, 'extend@example.com')
      const stored = (await ctx.adapter.getSessionAndUser(token)).session.expires.getTime()
      assert.ok(stored >= before + MAX_AGE * 1000 - 1000, 'extended to about now + maxAge')
      assert.ok(stored > stale.getTime() + UPDATE_AGE * 1000 - 1000)

      // A fresh session is not rewritten on every read.
      const again = await ctx.browser.session()
      assert.equal(again.user.email, 'extend@example.com')
      assert.equal((await ctx.adapter.getSessionAndUser(token)).session.expires.getTime(), stored)
    })

    test('sign-out deletes the session', async () => {
      const ctx = await setup(backend)
      await signIn(ctx, 'bye@example.com')
      const token = ctx.browser.sessionToken()
      const response = await ctx.browser.post('/auth/signout', { callbackUrl: ORIGIN })
      assert.equal(response.status, 302)
      assert.equal(ctx.browser.sessionToken(), undefined, 'the cookie is cleared')
      assert.equal(await ctx.adapter.getSessionAndUser(token), null)
      assert.deepEqual(await rows(ctx.where, 'SELECT count(*) AS n FROM "session"'), [{ n: 0 }])
      assert.equal(await ctx.browser.session(), null)
    })
  })

  describe('OAuth sign-in through Auth() with a provider answering in-process', () => {
    // An OAuth 2 provider whose token and userinfo endpoints are answered by `customFetch`, so
    // the whole Auth.js code path runs (PKCE, state, code exchange, profile, createUser,
    // linkAccount, createSession) with no server. Its token response carries the
    // provider-specific fields the official adapters are known to drop.
    async function oauthSetup() {
      const { customFetch } = await import('@auth/core')
      const adapter = adapterMethods(await freshAdapter({}, backend))
      const tokenResponse = {
        access_token: 'at-123',
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: 'rt-456',
        scope: 'openid email',
        ext_expires_in: 3599,
        refresh_token_expires_in: 86400,
        'not-before-policy': 0,
      }
      const provider = {
        id: 'mock',
        name: 'Mock',
        type: 'oauth',
        clientId: 'client',
        clientSecret: 'secret',
        authorization: 'https://idp.example/authorize',
        token: 'https://idp.example/token',
        userinfo: 'https://idp.example/userinfo',
        profile: (p) => ({ id: p.sub, name: p.name, email: p.email, image: null, role: p.role, phone: p.phone }),
        // Auth.js v5 hands the adapter what the provider's account() keeps (its default keeps
        // only the standard token fields; providers such as GitHub's keep theirs this way).
        account: (tokens) => tokens,
        [customFetch]: async (url) => {
          const json = (body) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
          if (String(url).endsWith('/token')) return json(tokenResponse)
          if (String(url).endsWith('/userinfo')) return json({ sub: 'idp-42', name: 'Olga', email: 'olga@example.com', role: 'admin', phone: '+47 555' })
          return new Response('not found', { status: 404 })
        },
      }
      const config = {
        adapter,
        providers: [provider],
        secret: 'a-test-secret-that-is-long-enough-0123456789',
        trustHost: true,
        basePath: '/auth',
        session: { strategy: 'database' },
        callbacks: { session: ({ session, user }) => ({ ...session, user: { ...session.user, role: user.role } }) },
        logger: { error() {}, warn() {}, debug() {} },
      }
      return { adapter, browser: new AuthClient(config), tokenResponse }
    }

    async function oauthSignIn(browser) {
      const start = await browser.post('/auth/signin/mock', { callbackUrl: `${ORIGIN}/home` })
      assert.equal(start.status, 302)
      const authorize = new URL(start.headers.get('location'))
      assert.equal(authorize.origin + authorize.pathname, 'https://idp.example/authorize')
      const state = authorize.searchParams.get('state')
      const callback = await browser.request(`/auth/callback/mock?code=the-code&state=${state}`)
      assert.equal(callback.status, 302)
      assert.equal(callback.headers.get('location'), `${ORIGIN}/home`)
    }

    test('stores the user with custom profile fields and the account with provider-specific fields', async () => {
      const { adapter, browser, tokenResponse } = await oauthSetup()
      const before = Math.floor(Date.now() / 1000)
      await oauthSignIn(browser)

      const session = await browser.session()
      assert.equal(session.user.email, 'olga@example.com')
      assert.equal(session.user.role, 'admin', 'a custom user field reaches the session callback')

      const user = await adapter.getUserByAccount({ provider: 'mock', providerAccountId: 'idp-42' })
      assert.equal(user.role, 'admin')
      assert.equal(user.phone, '+47 555')
      const account = await adapter.getAccount('idp-42', 'mock')
      assert.equal(account.userId, user.id)
      assert.equal(account.type, 'oauth')
      assert.equal(account.access_token, tokenResponse.access_token)
      assert.equal(account.refresh_token, tokenResponse.refresh_token)
      assert.equal(account.token_type, 'bearer')
      assert.ok(account.expires_at >= before + 3600 && account.expires_at <= before + 3602, `expires_at ${account.expires_at}`)
      assert.equal(account.ext_expires_in, 3599)
      assert.equal(account.refresh_token_expires_in, 86400)
      assert.equal(account['not-before-policy'], 0)
    })

    test('signing in again with the same account finds the same user', async () => {
      const { adapter, browser } = await oauthSetup()
      await oauthSignIn(browser)
      const first = await adapter.getUserByAccount({ provider: 'mock', providerAccountId: 'idp-42' })
      browser.cookies.clear()
      await oauthSignIn(browser)
      assert.equal((await browser.session()).user.email, 'olga@example.com')
      assert.deepEqual(await adapter.getUserByAccount({ provider: 'mock', providerAccountId: 'idp-42' }), first)
    })
  })
}, { pooler: true })
