// The addon in 4 worker_threads at once, each with its own adapter on one file, writing
// concurrently: every write lands, and nothing crashes when the workers exit (each thread's
// JS helpers, wake-up and writer thread belong to its own environment).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Worker } from 'node:worker_threads'

import { inspect, tempDbPath } from './helpers.mjs'

const WORKERS = 4
const USERS = 300

const script = `
  const { workerData, parentPort } = require('node:worker_threads')
  const { openAuthDatabase, SqliteAdapter } = require(workerData.root + 'index.js')
  ;(async () => {
    const db = openAuthDatabase({ path: workerData.path })
    const a = SqliteAdapter(db)
    const expires = new Date(Date.now() + 86400000)
    for (let i = 0; i < workerData.users; i++) {
      const id = 'w' + workerData.n + '-' + i
      // Two calls in one turn, then the session: order matters (foreign keys).
      await Promise.all([
        a.createUser({ id, email: id + '@example.com', worker: workerData.n }),
        a.linkAccount({ userId: id, type: 'oauth', provider: 'github', providerAccountId: id }),
      ])
      await a.createSession({ sessionToken: 's-' + id, userId: id, expires })
      if ((await a.getSessionAndUser('s-' + id))?.user.worker !== workerData.n) throw new Error('read back wrong')
    }
    if (workerData.close) db.close()
    parentPort.postMessage('done')
  })().catch((error) => { parentPort.postMessage('error: ' + error.stack); process.exit(1) })
`

test(`${WORKERS} worker threads write to one file at once; every write lands and exiting is clean`, async () => {
  const path = tempDbPath()
  const root = new URL('..', import.meta.url).pathname
  const workers = Array.from({ length: WORKERS }, (_, n) => new Worker(script, { eval: true, workerData: { root, path, n, users: USERS, close: n % 2 === 0 } }))
  const results = await Promise.all(
    workers.map((worker) => new Promise((resolve, reject) => {
      let message
      worker.on('message', (m) => (message = m))
      worker.on('error', reject)
      worker.on('exit', (code) => resolve({ code, message }))
    })),
  )
  // Half the workers closed their handle, half just exited with it open.
  assert.deepEqual(results, Array.from({ length: WORKERS }, () => ({ code: 0, message: 'done' })))
  assert.deepEqual(inspect(path, 'SELECT (SELECT count(*) FROM user) AS users, (SELECT count(*) FROM account) AS accounts, (SELECT count(*) FROM session) AS sessions'), [
    { users: WORKERS * USERS, accounts: WORKERS * USERS, sessions: WORKERS * USERS },
  ])
  assert.deepEqual(inspect(path, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }])
})
