// Soak: 4 processes sign users in (magic link: create and use a token, then a session), extend
// and delete sessions on one file for SOAK_SECONDS (default 5; `SOAK_SECONDS=60 node --test
// __test__/soak.test.mjs` for the long run). No error may reach a caller, no write may be lost:
// the rows in the file match what the processes report. Prints sessions per second and the p99
// write latency.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { inspect, tempDbPath } from './helpers.mjs'

const PROCESSES = 4
const SECONDS = Number(process.env.SOAK_SECONDS ?? 5)
const root = fileURLToPath(new URL('..', import.meta.url))
const { openAuthDatabase } = await import('../index.mjs')

const script = `
  const { SqliteAdapter } = require(process.argv[1])
  const [path, n, seconds] = [process.argv[2], process.argv[3], Number(process.argv[4])]
  const a = SqliteAdapter(path)
  const latencies = []
  const timed = async (promise) => { const t = performance.now(); const r = await promise; latencies.push(performance.now() - t); return r }
  const counts = { users: 0, sessions: 0, deleted: 0, extended: 0, tokens: 0 }
  const day = 86400000
  ;(async () => {
    const end = Date.now() + seconds * 1000
    for (let i = 0; Date.now() < end; i++) {
      const email = 'p' + n + '-' + i + '@example.com'
      const user = await timed(a.createUser({ email, emailVerified: null }))
      counts.users++
      const token = 'tok-' + n + '-' + i
      await timed(a.createVerificationToken({ identifier: email, token, expires: new Date(Date.now() + day) }))
      const used = await timed(a.useVerificationToken({ identifier: email, token }))
      if (used?.token !== token) throw new Error('token not found')
      counts.tokens++
      const sessionToken = 'sess-' + n + '-' + i
      await timed(a.createSession({ sessionToken, userId: user.id, expires: new Date(Date.now() + day) }))
      counts.sessions++
      const extended = await timed(a.updateSession({ sessionToken, expires: new Date(Date.now() + 2 * day) }))
      if (!extended) throw new Error('session lost')
      counts.extended++
      if (i % 3 === 0) {
        if (!(await timed(a.deleteSession(sessionToken)))) throw new Error('delete found nothing')
        counts.deleted++
      }
    }
    latencies.sort((x, y) => x - y)
    process.stdout.write(JSON.stringify({ ...counts, writes: latencies.length, p99: latencies[Math.floor(latencies.length * 0.99)] }))
  })().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1) })
`

test(`soak: ${PROCESSES} processes for ${SECONDS} s on one file, nothing lost`, { timeout: (SECONDS + 60) * 1000 }, async () => {
  const path = tempDbPath()
  // The schema is created once before the processes start, as a deployment's first request would.
  openAuthDatabase({ path }).close()
  const children = Array.from({ length: PROCESSES }, (_, n) => {
    const child = spawn(process.execPath, ['-e', script, root, path, String(n), String(SECONDS)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (err += c))
    return once(child, 'exit').then(([code]) => ({ code, out, err }))
  })
  const results = await Promise.all(children)
  for (const { code, err } of results) assert.equal(code, 0, `a process failed: ${err}`)
  const reports = results.map((r) => JSON.parse(r.out))
  const sum = (key) => reports.reduce((total, r) => total + r[key], 0)
  assert.deepEqual(inspect(path, 'SELECT (SELECT count(*) FROM user) AS users, (SELECT count(*) FROM session) AS sessions, (SELECT count(*) FROM verificationToken) AS tokens'), [
    { users: sum('users'), sessions: sum('sessions') - sum('deleted'), tokens: 0 },
  ])
  assert.deepEqual(inspect(path, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }])
  const p99 = Math.max(...reports.map((r) => r.p99))
  console.log(`soak: ${PROCESSES} processes, ${SECONDS} s: ${sum('users')} sign-ins, ${Math.round(sum('sessions') / SECONDS)} sessions/s, ${sum('writes')} writes, p99 write latency ${p99.toFixed(2)} ms (worst process)`)
})
