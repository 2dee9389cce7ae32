// TLS to PostgreSQL: a server that takes TLS only (hostssl in pg_hba.conf, plain TCP refused)
// with a certificate for IP 127.0.0.1 and DNS localhost from a throwaway CA. The sslmode values
// mean what they mean to libpq, except that a CA given (`ca` or `sslrootcert=`) is always
// checked: require + ca, verify-full + ca, sslrootcert= in the URL work; verify-ca against an
// unrelated CA is refused and says it is a certificate problem; verify-full checks the host
// name where verify-ca does not; sslmode=disable is refused by the server; require without a CA
// encrypts without checking. And a wrong password (plain server) gives a clear error that does
// not hold the password.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { inspect } from 'node:util'

import { PostgresAdapter } from '../index.mjs'
import { alive, postgresAvailable, postmasterPid, startCluster } from '../scripts/postgres-cluster.mjs'

const required = process.env.AUTHLITE_REQUIRE_POSTGRES === '1'
const available = postgresAvailable()
const skip =
  !available && !required &&
  'PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin); set AUTHLITE_REQUIRE_POSTGRES=1 to fail instead'

const AUTHLITE_CODES = ['AUTHLITE_DATABASE', 'AUTHLITE_UNAVAILABLE']

/** A self-signed CA that has nothing to do with the server's: PEM text and file. */
function unrelatedCa(dir) {
  const key = join(dir, 'other-ca.key')
  const file = join(dir, 'other-ca.crt')
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', file, '-days', '2', '-subj', '/CN=an unrelated CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  return { file, pem: readFileSync(file, 'utf8') }
}

describe('PostgreSQL over TLS', { skip, timeout: 60_000 }, () => {
  let tls
  let plain
  let other
  let dir
  const pids = []
  let emails = 0

  before(async () => {
    if (!available) return
    const started = Date.now()
    dir = mkdtempSync(join(tmpdir(), 'authlite-tls-'))
    other = unrelatedCa(dir)
    ;[tls, plain] = await Promise.all([startCluster({ tls: true }), startCluster()])
    pids.push(postmasterPid(tls), postmasterPid(plain))
    console.log(`tls: TLS and plain clusters up in ${Date.now() - started} ms`)
  })

  after(async () => {
    await Promise.all([tls?.stop(), plain?.stop()].map((p) => p?.catch(() => {})))
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  /** createUser then getUser through a new adapter: the round trip works and lands in the table. */
  async function roundTrip(options) {
    const email = `tls-${++emails}@example.com`
    const { createUser, getUser } = PostgresAdapter(options)
    const user = await createUser({ email, emailVerified: new Date('2024-01-02T03:04:05Z') })
    assert.deepEqual(await getUser(user.id), user)
    assert.equal(await tls.psql(`SELECT count(*) FROM "user" WHERE "email" = '${email}'`, 'authlite'), '1\n')
    return user
  }

  /** The rejection of a first call through a new adapter (nothing written). */
  async function refusal(options, label) {
    const email = `refused-${++emails}@example.com`
    const { createUser } = PostgresAdapter(options)
    const started = Date.now()
    const error = await createUser({ email, emailVerified: null }).then(
      () => assert.fail(`${label}: createUser resolved`),
      (e) => e,
    )
    console.log(`tls: ${label}: ${error.code} ${JSON.stringify(error.message)} (${Date.now() - started} ms)`)
    assert.ok(error instanceof Error)
    return error
  }

  test('PostgreSQL 15 is installed', () => {
    assert.ok(available, 'AUTHLITE_REQUIRE_POSTGRES=1 but PostgreSQL 15 is not installed here')
  })

  test('sslmode=require with the ca option: createUser/getUser round trip, the connection encrypted', { skip: !available }, async () => {
    await roundTrip({ url: `${tls.url()}?sslmode=require`, ca: tls.caPem })
    const plainConnections = await tls.psql(
      `SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'authlite' AND NOT s.ssl`,
    )
    assert.equal(plainConnections, '0\n')
    const versions = await tls.psql(
      `SELECT DISTINCT s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'authlite'`,
    )
    assert.match(versions, /^TLSv1\.[23]\n$/)
  })

  test('sslmode=verify-full with the ca option, against 127.0.0.1 (IP SAN) and localhost (DNS SAN)', { skip: !available }, async () => {
    await roundTrip({ url: `${tls.url()}?sslmode=verify-full`, ca: tls.caPem })
    await roundTrip({ url: `${tls.url().replace('127.0.0.1', 'localhost')}?sslmode=verify-full`, ca: tls.caPem })
  })

  test('sslrootcert=<file> in the URL', { skip: !available }, async () => {
    const rootcert = encodeURIComponent(tls.caFile)
    await roundTrip({ url: `${tls.url()}?sslmode=verify-full&sslrootcert=${rootcert}` })
    await roundTrip({ url: `${tls.url()}?sslmode=verify-ca&sslrootcert=${rootcert}` })
    await roundTrip(`${tls.url()}?sslrootcert=${rootcert}&sslmode=require`)
  })

  test('sslmode=require without a CA connects, encrypted and not verified (libpq semantics)', { skip: !available }, async () => {
    await roundTrip({ url: `${tls.url()}?sslmode=require` })
  })

  test('verify-full checks the host name, verify-ca does not', { skip: !available }, async () => {
    // The right server (hostaddr) under a name its certificate does not carry.
    const url = `postgres://authlite:authlite@db.not-in-the-cert.test:${tls.port}/authlite?hostaddr=127.0.0.1`
    await roundTrip({ url: `${url}&sslmode=verify-ca`, ca: tls.caPem })
    const error = await refusal({ url: `${url}&sslmode=verify-full`, ca: tls.caPem }, 'verify-full, name not in the certificate')
    assert.ok(AUTHLITE_CODES.includes(error.code), `${error.code}: ${error.message}`)
  })

  test('sslmode=disable is refused by the server (hostssl only), with its reason', { skip: !available }, async () => {
    const error = await refusal({ url: `${tls.url()}?sslmode=disable` }, 'sslmode=disable')
    assert.equal(error.code, 'AUTHLITE_DATABASE')
    assert.equal(
      error.message,
      'authlite: createUser: cannot connect to PostgreSQL: no pg_hba.conf entry for host "127.0.0.1", ' +
        'user "authlite", database "authlite", no encryption',
    )
  })

  test('verify-ca against an unrelated CA is refused, and the error says it is a certificate problem', { skip: !available }, async () => {
    const cases = [
      [{ url: `${tls.url()}?sslmode=verify-ca`, ca: other.pem }, 'verify-ca, ca option of an unrelated CA'],
      [{ url: `${tls.url()}?sslmode=verify-ca&sslrootcert=${encodeURIComponent(other.file)}` }, 'verify-ca, sslrootcert of an unrelated CA'],
      // A CA given is always checked, whatever the sslmode.
      [{ url: `${tls.url()}?sslmode=require`, ca: other.pem }, 'require, ca option of an unrelated CA'],
    ]
    const errors = []
    for (const [options, label] of cases) errors.push([label, await refusal(options, label)])
    assert.equal(await tls.psql(`SELECT count(*) FROM "user" WHERE "email" LIKE 'refused-%'`, 'authlite'), '0\n')
    for (const [label, error] of errors) {
      assert.ok(AUTHLITE_CODES.includes(error.code), `${label}: ${error.code}: ${error.message}`)
      assert.match(error.message, /certificate/i, `${label}: the message does not say the certificate was refused`)
    }
  })

  test('sslmode=require against a server without TLS is refused, and the error says the server has no TLS', { skip: !available }, async () => {
    const error = await refusal({ url: `${plain.url()}?sslmode=require` }, 'sslmode=require, server without TLS')
    assert.ok(AUTHLITE_CODES.includes(error.code), `${error.code}: ${error.message}`)
    // tokio-postgres's reason is "server does not support TLS".
    assert.match(error.message, /does not support TLS|no TLS|not.*SSL/i, 'the message does not say the server has no TLS')
  })

  test('a wrong password: a clear error that does not hold the password', { skip: !available }, async () => {
    const password = 'Wr0ng-pa55word-7c1d'
    const url = plain.url().replace('authlite:authlite@', `authlite:${password}@`)
    const error = await refusal({ url }, 'wrong password')
    assert.equal(error.code, 'AUTHLITE_DATABASE')
    assert.equal(error.message, 'authlite: createUser: cannot connect to PostgreSQL: password authentication failed for user "authlite"')
    for (const text of [error.message, String(error.stack), inspect(error, { depth: 5 }), JSON.stringify(error)]) {
      assert.ok(!text.includes(password), `the password is in: ${text}`)
    }
    // The right password on the same server works.
    const { getUserByEmail } = PostgresAdapter({ url: plain.url() })
    assert.equal(await getUserByEmail('nobody@example.com'), null)
  })

  test('stopping both clusters leaves no postgres process', { skip: !available }, async () => {
    await Promise.all([tls.stop(), plain.stop()])
    for (const pid of pids) assert.ok(!alive(pid), `postmaster ${pid} is still running`)
  })
})
