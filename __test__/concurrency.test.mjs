// Concurrency: token use is atomic within and across processes, concurrent writes all land,
// and a read after a resolved write sees it. On each backend.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'

import { forEachBackend, freshAdapter, rows } from './helpers.mjs'

const run = promisify(execFile)
const racer = fileURLToPath(new URL('./fixtures/racer.cjs', import.meta.url))
forEachBackend((backend) => {
  test('of 100 concurrent useVerificationToken calls for one token, exactly one gets it', async () => {
    const a = await freshAdapter({}, backend)
    const expires = new Date(Date.now() + 60_000)
    await a.createVerificationToken({ identifier: 'race@example.com', token: 'race-token', expires })
    const results = await Promise.all(
      Array.from({ length: 100 }, () => a.useVerificationToken({ identifier: 'race@example.com', token: 'race-token' })),
    )
    const winners = results.filter((r) => r !== null)
    assert.equal(winners.length, 1)
    assert.deepEqual(winners[0], { identifier: 'race@example.com', token: 'race-token', expires })
  })

  test('across 4 processes racing for one token, exactly one call in all gets it', async () => {
    const a = await freshAdapter({}, backend)
    await a.createVerificationToken({ identifier: 'race@example.com', token: 'race-token', expires: new Date(Date.now() + 60_000) })
    const startAt = String(Date.now() + 700)
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () => run(process.execPath, [racer, 'use', a.path ?? a.url, startAt, '25'])),
    )
    const wins = outputs.map(({ stdout }) => Number(stdout))
    assert.equal(wins.reduce((x, y) => x + y, 0), 1, `wins per process: ${wins}`)
  })

  test(backend === 'sqlite' ? 'two processes writing at once both land every write (busy timeout, one writer each)' : 'two processes writing at once both land every write', async () => {
    const a = await freshAdapter({}, backend)
    const startAt = String(Date.now() + 700)
    await Promise.all(['p', 'q'].map((prefix) => run(process.execPath, [racer, 'users', a.path ?? a.url, startAt, '200', prefix])))
    assert.deepEqual(await rows(a, 'SELECT count(*) AS n FROM "user"'), [{ n: 400 }])
    assert.equal((await a.getUser('q-199')).email, 'q-199@example.com')
  })

  test('a read right after a resolved write sees it', async () => {
    const a = await freshAdapter({}, backend)
    for (let i = 0; i < 200; i++) {
      const user = await a.createUser({ email: `rw-${i}@example.com` })
      assert.deepEqual(await a.getUser(user.id), user)
      await a.updateUser({ id: user.id, name: `n${i}` })
      assert.equal((await a.getUserByEmail(`rw-${i}@example.com`)).name, `n${i}`)
    }
  })

  // SQLite applies writes made at once in call order (one connection). PostgreSQL runs them on
  // up to poolSize connections at once, so calls not awaited one after the other may commit in
  // any order (as with any pooled client); each still lands whole, and awaited calls are in order.
  test(backend === 'sqlite' ? 'many writes in flight at once all land, in order' : 'many writes in flight at once all land, each whole', async () => {
    const a = await freshAdapter({}, backend)
    const user = await a.createUser({ email: 'order@example.com' })
    const writes = Array.from({ length: 300 }, (_, i) => a.updateUser({ id: user.id, counter: i, twice: i * 2 }))
    const results = await Promise.all(writes)
    assert.deepEqual(results.map((u) => u.counter), Array.from({ length: 300 }, (_, i) => i))
    const last = await a.getUser(user.id)
    if (backend === 'sqlite') assert.equal(last.counter, 299)
    else assert.ok(Number.isInteger(last.counter) && last.counter >= 0 && last.counter < 300, `counter ${last.counter}`)
    assert.equal(last.twice, last.counter * 2, 'each update landed whole')
  })
}, { pooler: true })
