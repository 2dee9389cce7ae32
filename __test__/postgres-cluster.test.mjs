// Self-check of scripts/postgres-cluster.mjs, the throwaway PostgreSQL 15 clusters the
// PostgreSQL backend's tests and the benchmark run on: password auth over TCP, TLS only when
// asked, and a synchronous standby that takes over when the primary is killed.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { after, describe, test } from 'node:test'

import pg from 'pg'

import { alive, postgresAvailable, startCluster, startReplicatedPair } from '../scripts/postgres-cluster.mjs'

const required = process.env.AUTHLITE_REQUIRE_POSTGRES === '1'
const available = postgresAvailable()
const skip =
  !available && !required &&
  'PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin); set AUTHLITE_REQUIRE_POSTGRES=1 to fail instead'

const stops = []
after(async () => {
  await Promise.all(stops.map((stop) => stop().catch(() => {})))
})

/** Connects with node-postgres; resolves to the client, or rejects with the connect error. */
async function connect(config) {
  const client = new pg.Client(typeof config === 'string' ? { connectionString: config } : config)
  client.on('error', () => {}) // a server killed under an idle client
  await client.connect()
  return client
}

async function query(config, sql, params) {
  const client = await connect(config)
  try {
    return (await client.query(sql, params)).rows
  } finally {
    await client.end()
  }
}

function timed(t, label, started) {
  t.diagnostic(`${label}: ${Date.now() - started} ms`)
}

describe('postgres-cluster', { skip }, () => {
  test('PostgreSQL 15 is installed', () => {
    assert.ok(
      available,
      'AUTHLITE_REQUIRE_POSTGRES=1 but PostgreSQL 15 is not installed here ' +
        '(/usr/lib/postgresql/15/bin, and a postgres user when running as root)',
    )
  })

  test('a cluster: authlite logs in over TCP with its password, only with it', { skip: !available }, async (t) => {
    let started = Date.now()
    const cluster = await startCluster({ settings: { TimeZone: 'Pacific/Chatham' } })
    stops.push(cluster.stop)
    timed(t, 'cluster start', started)
    started = Date.now()

    assert.equal(cluster.host, '127.0.0.1')
    assert.equal(cluster.url(), `postgres://authlite:authlite@127.0.0.1:${cluster.port}/authlite`)
    const client = await connect(cluster.url())
    try {
      await client.query('CREATE TABLE t (id int PRIMARY KEY, name text)')
      await client.query('INSERT INTO t VALUES (1, $1)', ['ünïcode'])
      assert.deepEqual((await client.query('SELECT name FROM t')).rows, [{ name: 'ünïcode' }])
      const [{ user, tz, ssl }] = (
        await client.query(
          'SELECT current_user AS user, current_setting($1) AS tz, ' +
            '(SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl',
          ['TimeZone'],
        )
      ).rows
      assert.deepEqual({ user, tz, ssl }, { user: 'authlite', tz: 'Pacific/Chatham', ssl: false })
    } finally {
      await client.end()
    }
    assert.equal(await cluster.psql('SELECT count(*) FROM t', 'authlite'), '1\n')

    // A new database, owned by authlite: it creates tables there.
    const url = await cluster.createDatabase()
    await query(url, 'CREATE TABLE u (id int)')
    await assert.rejects(cluster.createDatabase(new URL(url).pathname.slice(1)), /already exists/)

    const { port } = cluster
    const wrongPassword = { host: '127.0.0.1', port, user: 'authlite', password: 'wrong', database: 'authlite' }
    await assert.rejects(connect(wrongPassword), { code: '28P01' }) // invalid_password
    // The superuser has no TCP entry in pg_hba.conf, password or not.
    const superuser = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' }
    await assert.rejects(connect({ ...superuser, password: 'x' }), { code: '28000' })

    await assert.rejects(cluster.psql('SELECT * FROM no_such_table'), /no_such_table/)
    await cluster.stop()
    await cluster.stop() // idempotent
    await assert.rejects(connect(cluster.url()), { code: 'ECONNREFUSED' })
    timed(t, 'cluster checks and stop', started)
  })

  test('a TLS cluster: verified TLS connects, plain TCP is refused', { skip: !available }, async (t) => {
    let started = Date.now()
    const cluster = await startCluster({ tls: true })
    stops.push(cluster.stop)
    timed(t, 'TLS cluster start', started)
    started = Date.now()

    assert.match(cluster.caPem, /^-----BEGIN CERTIFICATE-----/)
    assert.equal(statSync(cluster.caFile).mode & 0o004, 0o004)
    if (process.getuid?.() === 0) {
      const pem = execFileSync('runuser', ['-u', 'nobody', '--', 'cat', cluster.caFile], {
        encoding: 'utf8',
      })
      assert.equal(pem, cluster.caPem)
    }

    const url = cluster.url()
    const rows = await query(
      { connectionString: url, ssl: { ca: cluster.caPem } },
      'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    )
    assert.equal(rows[0].ssl, true)
    assert.match(rows[0].version, /^TLSv1\.[23]$/)
    // The certificate names 'localhost' too.
    const byName = { connectionString: url.replace('127.0.0.1', 'localhost'), ssl: { ca: cluster.caPem } }
    assert.deepEqual(await query(byName, 'SELECT 1 AS one'), [{ one: 1 }])

    await assert.rejects(connect({ connectionString: url, ssl: false }), (error) => {
      assert.equal(error.code, '28000')
      assert.match(error.message, /no encryption/)
      return true
    })
    // Without the CA the server's certificate is not trusted.
    await assert.rejects(connect({ connectionString: url, ssl: { rejectUnauthorized: true } }), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    })
    await cluster.stop()
    timed(t, 'TLS checks and stop', started)
  })

  test('a replicated pair: synchronous standby, kill the primary, promote', { skip: !available }, async (t) => {
    let started = Date.now()
    const pair = await startReplicatedPair()
    stops.push(pair.stop)
    const { primary, standby } = pair
    timed(t, 'replicated pair start', started)
    started = Date.now()

    assert.notEqual(primary.port, standby.port)
    assert.equal(
      pair.multiHostUrl('db'),
      `postgres://authlite:authlite@127.0.0.1:${primary.port},127.0.0.1:${standby.port}/db` +
        '?target_session_attrs=read-write',
    )
    assert.equal(
      await primary.psql('SELECT sync_state FROM pg_stat_replication'),
      'sync\n',
    )
    assert.equal(await primary.psql('SHOW fsync'), 'on\n')
    assert.equal(await standby.psql('SELECT pg_is_in_recovery()'), 't\n')

    // Committed on the primary means flushed on the standby too (synchronous_commit=on).
    await query(primary.url(), 'CREATE TABLE t (id int PRIMARY KEY)')
    await query(primary.url(), 'INSERT INTO t SELECT generate_series(1, 100)')
    // Applied a moment later (remote_apply is not asked for): wait for it.
    const deadline = Date.now() + 10_000
    let count
    while ((count = await standby.psql('SELECT count(*) FROM t', 'authlite').catch(() => '')) !== '100\n') {
      assert.ok(Date.now() < deadline, `standby has ${JSON.stringify(count)} rows`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await assert.rejects(query(standby.url(), 'INSERT INTO t VALUES (101)'), { code: '25006' })

    const postmaster = Number(readFileSync(`${primary.dataDir}/postmaster.pid`, 'utf8').split('\n')[0])
    const walSender = Number(await primary.psql('SELECT pid FROM pg_stat_replication'))
    primary.kill()
    // SIGKILL takes effect once a process leaves the kernel (a walsender may be in an fsync):
    // a moment on a loaded machine.
    for (const pid of [postmaster, walSender]) {
      const deadline = Date.now() + 5000
      while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
      assert.ok(!alive(pid), `process ${pid} is alive 5 s after the kill`)
    }
    await assert.rejects(connect(primary.url()), { code: 'ECONNREFUSED' })

    await pair.promote()
    assert.equal(await standby.psql('SELECT pg_is_in_recovery()'), 'f\n')
    await query(standby.url(), 'INSERT INTO t VALUES (101)')
    assert.deepEqual(await query(standby.url(), 'SELECT count(*)::int AS n FROM t'), [{ n: 101 }])
    await pair.stop()
    timed(t, 'replication checks, failover and stop', started)
  })
})
