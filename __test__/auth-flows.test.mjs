// Real sign-in flows through @auth/core's Auth() handler with database sessions on authlite.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { SqliteAdapter } from '../index.mjs'
import { AuthClient, emailProvider, ORIGIN } from './auth-client.mjs'
import { inspect, tempDbPath } from './helpers.mjs'

const MAX_AGE = 30 * 24 * 60 * 60
const UPDATE_AGE = 24 * 60 * 60

function setup() {
  const path = tempDbPath()
  const adapter = SqliteAdapter({ path })
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
  return { path, adapter, links, browser: new AuthClient(config) }
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

describe('email (magic link) sign-in with database sessions', () => {
  test('signs a new user in; /session reads the user; the database holds the user and the session', async () => {
    const ctx = setup()
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
    assert.deepEqual(inspect(ctx.path, 'SELECT count(*) AS n FROM verificationToken'), [{ n: 0 }], 'the link token was used up')
  })

  test('a second sign-in finds the same user', async () => {
    const ctx = setup()
    await signIn(ctx, 'again@example.com')
    const first = (await ctx.browser.session()).user
    ctx.browser.cookies.clear()
    await signIn(ctx, 'again@example.com')
    const user = await ctx.adapter.getUserByEmail('again@example.com')
    assert.equal((await ctx.browser.session()).user.email, first.email)
    assert.deepEqual(inspect(ctx.path, 'SELECT count(*) AS n FROM user'), [{ n: 1 }])
    assert.deepEqual(inspect(ctx.path, 'SELECT count(*) AS n FROM session WHERE userId = ?', [user.id]), [{ n: 2 }])
  })

  test('a used magic link cannot sign in again', async () => {
    const ctx = setup()
    const link = await signIn(ctx, 'once@example.com')
    const stranger = new AuthClient(ctx.browser.config)
    const reuse = await stranger.request(link.url)
    assert.equal(reuse.status, 302)
    assert.match(reuse.headers.get('location'), /error=Verification/)
    assert.equal(stranger.sessionToken(), undefined)
    assert.equal(await stranger.session(), null)
  })

  test('an expired session is refused and deleted', async () => {
    const ctx = setup()
    await signIn(ctx, 'expired@example.com')
    const token = ctx.browser.sessionToken()
    await ctx.adapter.updateSession({ sessionToken: token, expires: new Date(Date.now() - 1000) })
    assert.equal(await ctx.browser.session(), null)
    assert.equal(await ctx.adapter.getSessionAndUser(token), null)
    assert.deepEqual(inspect(ctx.path, 'SELECT count(*) AS n FROM session'), [{ n: 0 }])
  })

  test('a session last updated more than updateAge ago is extended to maxAge', async () => {
    const ctx = setup()
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
    const ctx = setup()
    await signIn(ctx, 'bye@example.com')
    const token = ctx.browser.sessionToken()
    const response = await ctx.browser.post('/auth/signout', { callbackUrl: ORIGIN })
    assert.equal(response.status, 302)
    assert.equal(ctx.browser.sessionToken(), undefined, 'the cookie is cleared')
    assert.equal(await ctx.adapter.getSessionAndUser(token), null)
    assert.deepEqual(inspect(ctx.path, 'SELECT count(*) AS n FROM session'), [{ n: 0 }])
    assert.equal(await ctx.browser.session(), null)
  })
})
