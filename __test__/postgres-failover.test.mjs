// Failover: a primary with a synchronous streaming standby, and a writer process creating
// sessions one after another through PostgresAdapter on the multi-host URL
// (target_session_attrs=read-write). The primary is SIGKILLed, the standby promoted half a second
// later. Checked: every write whose promise resolved is on the new primary (synchronous
// replication: acknowledged means on the standby); the calls rejected meanwhile say
// AUTHLITE_UNAVAILABLE; writes resume within 2 s of the promotion. Prints one `failover:` line
// with the figures.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'

import pg from 'pg'

import { alive, postgresAvailable, postmasterPid, startReplicatedPair } from '../scripts/postgres-cluster.mjs'

const required = process.env.AUTHLITE_REQUIRE_POSTGRES === '1'
const available = postgresAvailable()
const skip =
  !available && !required &&
  'PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin); set AUTHLITE_REQUIRE_POSTGRES=1 to fail instead'

const root = fileURLToPath(new URL('..', import.meta.url))
const RESUME_WITHIN_MS = 2000

// The writer: createUser once (retried until it lands), then createSession in a loop, one at a
// time, 5 ms apart, reporting each acknowledged write and each rejection with its times, until
// the parent says stop.
const writerScript = `
  const [rootUrl, url] = process.argv.slice(1)
  const { randomUUID } = await import('node:crypto')
  const { PostgresAdapter } = await import(new URL('index.mjs', rootUrl))
  const adapter = PostgresAdapter({ url, connectTimeoutMs: 1000 })
  const { createUser, createSession } = adapter
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
  let stopping = false
  process.on('message', (message) => { if (message === 'stop') stopping = true })

  let user = null
  while (!user && !stopping) {
    const started = Date.now()
    try {
      user = await createUser({ email: 'writer@example.com', emailVerified: null })
    } catch (error) {
      process.send({ type: 'rejected', op: 'createUser', started, t: Date.now(), code: error.code, message: error.message })
      await sleep(20)
    }
  }
  const expires = new Date(Date.now() + 86400000)
  for (let i = 0; !stopping; i++) {
    const sessionToken = 'failover-' + i + '-' + randomUUID()
    const started = Date.now()
    try {
      await createSession({ sessionToken, userId: user.id, expires })
      process.send({ type: 'ack', token: sessionToken, started, t: Date.now() })
    } catch (error) {
      process.send({ type: 'rejected', op: 'createSession', token: sessionToken, started, t: Date.now(), code: error.code, message: error.message })
    }
    await sleep(5)
  }
  process.send({ type: 'done' })
  process.disconnect()
`

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const sha256 = (text) => createHash('sha256').update(text).digest('hex')

describe('PostgreSQL failover to a synchronous standby', { skip, timeout: 60_000 }, () => {
  let pair
  let writer

  after(async () => {
    if (writer && writer.exitCode === null && writer.signalCode === null) writer.kill()
    await pair?.stop().catch(() => {})
  })

  test('PostgreSQL 15 is installed', () => {
    assert.ok(available, 'AUTHLITE_REQUIRE_POSTGRES=1 but PostgreSQL 15 is not installed here')
  })

  test('kill the primary, promote the standby: acknowledged writes survive, rejections are AUTHLITE_UNAVAILABLE, writes resume', { skip: !available }, async (t) => {
    let started = Date.now()
    pair = await startReplicatedPair()
    const pids = [postmasterPid(pair.primary), postmasterPid(pair.standby)]
    t.diagnostic(`replicated pair up in ${Date.now() - started} ms`)

    const events = []
    let stderr = ''
    writer = spawn(process.execPath, ['--input-type=module', '-e', writerScript, pathToFileURL(root).href, pair.multiHostUrl()], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    writer.stdout.on('data', () => {})
    writer.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    const exited = new Promise((resolve) => writer.once('exit', (code, signal) => resolve(signal ?? code)))
    let firstAck
    const acked = new Promise((resolve) => (firstAck = resolve))
    const done = new Promise((resolve) => {
      writer.on('message', (event) => {
        events.push(event)
        if (event.type === 'ack') firstAck()
        if (event.type === 'done') resolve()
      })
    })
    await Promise.race([acked, exited.then((why) => assert.fail(`the writer exited (${why}) before its first write: ${stderr}`))])

    await sleep(1000)
    const killStarted = Date.now()
    pair.primary.kill()
    const killedAt = Date.now()
    assert.ok(!alive(pids[0]), 'the primary is dead')
    await sleep(500)
    const promoteStarted = Date.now()
    await pair.promote()
    const promotedAt = Date.now()
    await sleep(3000)
    writer.send('stop')
    await Promise.race([done, exited.then((why) => assert.fail(`the writer exited (${why}) before it was done: ${stderr}`))])
    assert.equal(await exited, 0, stderr)

    const acks = events.filter((e) => e.type === 'ack')
    const rejections = events.filter((e) => e.type === 'rejected')
    // Everything the new primary has, read with node-postgres.
    const client = new pg.Client({ connectionString: pair.standby.url() })
    client.on('error', () => {})
    await client.connect()
    let stored
    try {
      assert.deepEqual((await client.query('SELECT pg_is_in_recovery() AS r')).rows, [{ r: false }])
      stored = new Set((await client.query('SELECT "sessionToken" FROM "session"')).rows.map((r) => r.sessionToken))
    } finally {
      await client.end()
    }
    const lost = acks.filter((e) => !stored.has(sha256(e.token)))
    // A call rejected while its statement was in flight may have committed: not an error.
    const rejectedButStored = rejections.filter((e) => e.token && stored.has(sha256(e.token)))
    const before = acks.filter((e) => e.t <= killStarted)
    const afterKill = acks.filter((e) => e.t > killStarted)
    const firstAfterKill = acks.find((e) => e.started >= killedAt)
    const resumeMs = firstAfterKill ? firstAfterKill.t - promotedAt : null
    const slowestRejection = Math.max(0, ...rejections.map((e) => e.t - e.started))
    const codes = {}
    for (const e of rejections) codes[e.code] = (codes[e.code] ?? 0) + 1

    console.log(
      `failover: acknowledged before kill ${before.length}, acknowledged after ${afterKill.length}, ` +
        `rejected ${rejections.length} (${Object.entries(codes).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}), ` +
        `lost ${lost.length}, rejected but stored ${rejectedButStored.length}, ` +
        `promotion took ${((promotedAt - promoteStarted) / 1000).toFixed(3)} s, ` +
        `first write ${resumeMs === null ? 'never' : `${(resumeMs / 1000).toFixed(3)} s`} after promotion finished ` +
        `(${firstAfterKill ? `${((firstAfterKill.t - promoteStarted) / 1000).toFixed(3)} s` : 'never'} after it started, ` +
        `${firstAfterKill ? `${((firstAfterKill.t - killStarted) / 1000).toFixed(3)} s` : 'never'} after the kill), ` +
        `slowest rejection ${slowestRejection} ms`,
    )
    for (const e of rejections.filter((e) => e.code !== 'AUTHLITE_UNAVAILABLE')) {
      console.log(`failover: unexpected rejection ${e.op} at +${e.t - killStarted} ms: ${e.code} ${JSON.stringify(e.message)}`)
    }
    for (const e of rejectedButStored) {
      t.diagnostic(`rejected but stored: started ${e.started - killStarted} ms after the kill began, rejected at +${e.t - killStarted} ms: ${e.message}`)
    }
    const samples = [...new Set(rejections.map((e) => e.message))].slice(0, 5)
    t.diagnostic(`rejection messages: ${JSON.stringify(samples)}`)

    assert.ok(before.length > 0, 'writes were acknowledged before the kill')
    assert.deepEqual(rejections.filter((e) => e.t < killStarted), [], 'no rejection before the kill')
    assert.deepEqual(lost.map((e) => e.token), [], 'acknowledged writes missing on the new primary')
    assert.deepEqual(
      rejections.filter((e) => e.code !== 'AUTHLITE_UNAVAILABLE').map((e) => `${e.code}: ${e.message}`),
      [],
      'rejections other than AUTHLITE_UNAVAILABLE',
    )
    assert.ok(firstAfterKill, 'no write was acknowledged after the failover')
    assert.ok(resumeMs < RESUME_WITHIN_MS, `writes resumed ${resumeMs} ms after the promotion`)
    assert.ok(acks.filter((e) => e.t > promotedAt).length > 10, 'writes go on after the promotion')

    started = Date.now()
    await pair.stop()
    for (const pid of pids) assert.ok(!alive(pid), `postmaster ${pid} is still running`)
    t.diagnostic(`pair stopped in ${Date.now() - started} ms`)
  })
})
