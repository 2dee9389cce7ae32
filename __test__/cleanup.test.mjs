// cleanupIntervalMs: expired sessions and verification tokens are deleted periodically on the
// writer thread, live ones kept, and close() stops it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'

import { inspect, tempDbPath } from './helpers.mjs'

const { SqliteAdapter, openAuthDatabase } = await import('../index.mjs')
const past = () => new Date(Date.now() - 60_000)
const future = () => new Date(Date.now() + 86_400_000)
const count = (path) => inspect(path, 'SELECT (SELECT count(*) FROM session) AS sessions, (SELECT count(*) FROM verificationToken) AS tokens')[0]

async function seed(a, tag) {
  await a.createSession({ sessionToken: `${tag}-old`, userId: 'u', expires: past() })
  await a.createSession({ sessionToken: `${tag}-live`, userId: 'u', expires: future() })
  await a.createVerificationToken({ identifier: 'u@example.com', token: `${tag}-old`, expires: past() })
  await a.createVerificationToken({ identifier: 'u@example.com', token: `${tag}-live`, expires: future() })
}

test('cleanupIntervalMs deletes what expired, keeps what lives, and stops at close()', async () => {
  const path = tempDbPath()
  const db = openAuthDatabase({ path, cleanupIntervalMs: 40 })
  const a = SqliteAdapter(db)
  await a.createUser({ id: 'u', email: 'u@example.com' })
  await seed(a, 'first')
  let left
  for (let i = 0; i < 50 && JSON.stringify(left) !== JSON.stringify({ sessions: 1, tokens: 1 }); i++) {
    await sleep(40)
    left = count(path)
  }
  assert.deepEqual(left, { sessions: 1, tokens: 1 }, 'the expired session and token are gone, the live ones kept')
  assert.equal((await a.getSessionAndUser('first-live'))?.user.id, 'u')
  db.close()
  // Closed: nothing runs any more.
  const again = openAuthDatabase({ path })
  await seed(SqliteAdapter(again), 'second')
  await sleep(300)
  assert.deepEqual(count(path), { sessions: 3, tokens: 3 })
  again.close()
})

test('cleanupIntervalMs is checked', () => {
  for (const value of [0, 5, -1, 1.5, '1000']) {
    assert.throws(() => openAuthDatabase({ path: ':memory:', cleanupIntervalMs: value }), { code: 'AUTHLITE_INVALID_INPUT', message: /options\.cleanupIntervalMs/ })
  }
  const db = openAuthDatabase({ path: ':memory:', cleanupIntervalMs: 10 })
  db.close()
})
