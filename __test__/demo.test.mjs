// The README's demo (`npm run demo`) works end to end over real HTTP: sign in with the magic
// link it prints, see the protected page, sign out.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'

import { tempDbPath } from './helpers.mjs'

function startDemo() {
  const server = spawn(process.execPath, ['demo/server.mjs'], {
    cwd: new URL('..', import.meta.url),
    env: { ...process.env, PORT: '0', DEMO_DB: tempDbPath('demo.db') },
  })
  let output = ''
  const waiters = []
  server.stdout.setEncoding('utf8').on('data', (chunk) => {
    output += chunk
    for (const w of [...waiters]) w()
  })
  const waitFor = (pattern) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo never printed ${pattern}; output:\n${output}`)), 10_000)
      const check = () => {
        const match = output.match(pattern)
        if (match) {
          clearTimeout(timer)
          waiters.splice(waiters.indexOf(check), 1)
          resolve(match)
        }
      }
      waiters.push(check)
      check()
    })
  return { server, waitFor }
}

test('npm run demo: sign in by magic link, see the protected page, sign out', async (t) => {
  const { server, waitFor } = startDemo()
  t.after(() => server.kill())
  const [, base] = await waitFor(/authlite demo: (http:\/\/localhost:\d+)/)

  const jar = new Map()
  const visit = async (path, init = {}) => {
    const headers = new Headers(init.headers)
    headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
    const response = await fetch(new URL(path, base), { ...init, headers, redirect: 'manual' })
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const [name, ...value] = pair.split('=')
      if (value.join('=') === '' || /max-age=0/i.test(line)) jar.delete(name)
      else jar.set(name, value.join('='))
    }
    return response
  }
  const post = async (path, fields) => {
    const { csrfToken } = await (await visit('/auth/csrf')).json()
    const body = new URLSearchParams({ csrfToken, ...fields })
    return visit(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  }

  assert.match(await (await visit('/')).text(), /You are signed out/)
  assert.equal((await visit('/protected')).status, 302)

  const signIn = await post('/auth/signin/email', { email: 'demo.user@example.com', callbackUrl: `${base}/protected` })
  assert.equal(signIn.status, 302)
  const [, link] = await waitFor(/Magic link for demo\.user@example\.com[^\n]*\n\s*(\S+)/)
  const callback = await visit(link)
  assert.equal(callback.status, 302)
  assert.equal(callback.headers.get('location'), `${base}/protected`)

  const protectedPage = await visit('/protected')
  assert.equal(protectedPage.status, 200)
  assert.match(await protectedPage.text(), /You are <strong>demo\.user@example\.com<\/strong>/)
  assert.match(await (await visit('/')).text(), /Signed in as <strong>demo\.user@example\.com/)

  assert.equal((await post('/auth/signout', { callbackUrl: base })).status, 302)
  assert.equal((await visit('/protected')).status, 302)
})
