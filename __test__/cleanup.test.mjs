// cleanupIntervalMs: expired sessions and verification tokens are deleted periodically (SQLite:
// on the writer thread; PostgreSQL: on authlite's runtime), live ones kept, and close() stops
// it. On each backend.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'

import { adapterOf, forEachBackend, freshLocation, rows } from './helpers.mjs'

const { openAuthDatabase } = await import('../index.mjs')
const past = () => new Date(Date.now() - 60_000)
const future = () => new Date(Date.now() + 86_400_000)
const count = async (where) =>
  (await rows(where, 'SELECT (SELECT count(*) FROM "session") AS sessions, (SELECT count(*) FROM "verificationToken") AS tokens'))[0]

async function seed(a, tag) {
  await a.createSession({ sessionToken: `${tag}-old`, userId: 'u', expires: past() })
  await a.createSession({ sessionToken: `${tag}-live`, userId: 'u', expires: future() })
  await a.createVerificationToken({ identifier: 'u@example.com', token: `${tag}-old`, expires: past() })
  await a.createVerificationToken({ identifier: 'u@example.com', token: `${tag}-live`, expires: future() })
}

forEachBackend((backend) => {
  test('cleanupIntervalMs deletes what expired, keeps what lives, and stops at close()', async () => {
    const location = await freshLocation(backend)
    const db = location.open({ cleanupIntervalMs: 40 })
    const a = adapterOf(db)
    await a.createUser({ id: 'u', email: 'u@example.com' })
    await seed(a, 'first')
    let left
    for (let i = 0; i < 50 && JSON.stringify(left) !== JSON.stringify({ sessions: 1, tokens: 1 }); i++) {
      await sleep(40)
      left = await count(location)
    }
    assert.deepEqual(left, { sessions: 1, tokens: 1 }, 'the expired session and token are gone, the live ones kept')
    assert.equal((await a.getSessionAndUser('first-live'))?.user.id, 'u')
    db.close()
    // Closed: nothing runs any more.
    const again = location.open()
    await seed(adapterOf(again), 'second')
    await sleep(300)
    assert.deepEqual(await count(location), { sessions: 3, tokens: 3 })
    again.close()
  })

  test('cleanupIntervalMs is checked', () => {
    const where = backend === 'postgres' ? { url: 'postgres://authlite:authlite@127.0.0.1:1/never-connected' } : { path: ':memory:' }
    for (const value of [0, 5, -1, 1.5, '1000']) {
      assert.throws(() => openAuthDatabase({ ...where, cleanupIntervalMs: value }), { code: 'AUTHLITE_INVALID_INPUT', message: /options\.cleanupIntervalMs/ })
    }
    const db = openAuthDatabase({ ...where, cleanupIntervalMs: 10 })
    db.close()
  })
})
