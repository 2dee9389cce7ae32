// encryptionKey: OAuth tokens encrypted at rest (XChaCha20-Poly1305, keys from HKDF-SHA256),
// bound to their row, rotated with an array of keys and reencrypt(), never written in the clear
// (SQLite: to the file, its WAL or a backup; PostgreSQL: never sent to the server), and never
// echoed in an error. On each backend; what is about SQLite's files is SQLite's alone.

import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'

import { adapterOf, execSql, forEachBackend, freshLocation, inspect, postgresCluster, rows, tempDbPath } from './helpers.mjs'

const { SqliteAdapter, openAuthDatabase } = await import('../index.mjs')
const KEY_A = 'first secret key, at least 32 characters long'
const KEY_B = 'second secret key, also 32 characters or more'
const tokens = (i, tag = '') => ({ access_token: `gho_ACCESS_${i}${tag}_plaintext`, refresh_token: `ghr_REFRESH_${i}${tag}_plaintext`, id_token: `eyJ.ID_${i}${tag}.plaintext` })
const ENCRYPTED = /^authlite:enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]+$/

async function withAccounts(location, options, count = 3, tag = '') {
  const db = location.open(options)
  const a = adapterOf(db)
  for (let i = 0; i < count; i++) {
    await a.createUser({ id: `u${i}`, email: `u${i}@example.com` })
    await a.linkAccount({ userId: `u${i}`, type: 'oauth', provider: 'github', providerAccountId: String(i), scope: 'read:user', ...tokens(i, tag) })
  }
  return { db, a }
}

/** Every regular file under `dir`. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true }).map((name) => join(dir, name)).filter((file) => statSync(file).isFile())
}

forEachBackend((backend) => {
  if (backend === 'sqlite') {
    test('tokens are encrypted in the file, its WAL and a backup; reads return the plaintext', async () => {
      const location = await freshLocation(backend)
      const { path } = location
      const { db, a } = await withAccounts(location, { encryptionKey: KEY_A })
      const account = await a.getAccount('1', 'github')
      assert.deepEqual({ access_token: account.access_token, refresh_token: account.refresh_token, id_token: account.id_token }, tokens(1))
      assert.equal(account.scope, 'read:user', 'other fields are not encrypted')
      const [raw] = inspect(path, "SELECT access_token, refresh_token, id_token, scope FROM account WHERE providerAccountId = '1'")
      for (const column of ['access_token', 'refresh_token', 'id_token']) assert.match(raw[column], ENCRYPTED)
      const backup = join(dirname(path), 'backup.db')
      await db.backup(backup)
      for (const file of [path, `${path}-wal`, backup]) {
        const bytes = readFileSync(file).toString('latin1')
        for (let i = 0; i < 3; i++) for (const value of Object.values(tokens(i))) assert.ok(!bytes.includes(value), `${value} in ${file}`)
      }
      assert.equal((await a.unlinkAccount({ provider: 'github', providerAccountId: '2' }))?.access_token, tokens(2).access_token)
      db.close()
    })
  } else {
    test('tokens are encrypted in the row and reach the server only encrypted (not in its WAL or files); reads return the plaintext', async () => {
      const location = await freshLocation(backend)
      const tag = `_${process.pid}_wal` // values no other test writes to this cluster
      const { db, a } = await withAccounts(location, { encryptionKey: KEY_A }, 3, tag)
      const account = await a.getAccount('1', 'github')
      assert.deepEqual({ access_token: account.access_token, refresh_token: account.refresh_token, id_token: account.id_token }, tokens(1, tag))
      assert.equal(account.scope, 'read:user', 'other fields are not encrypted')
      const [raw] = await rows(location, `SELECT "access_token", "refresh_token", "id_token", "scope" FROM "account" WHERE "providerAccountId" = '1'`)
      for (const column of ['access_token', 'refresh_token', 'id_token']) assert.match(raw[column], ENCRYPTED)
      assert.equal(raw.scope, 'read:user')
      assert.equal((await a.unlinkAccount({ provider: 'github', providerAccountId: '2' }))?.access_token, tokens(2, tag).access_token)
      // What the server wrote: its WAL and the database's files, once checkpointed.
      const cluster = await postgresCluster()
      await cluster.psql('CHECKPOINT')
      const [{ oid }] = await rows(location, 'SELECT oid::int AS oid FROM pg_database WHERE datname = current_database()')
      const files = [...filesUnder(join(cluster.dataDir, 'pg_wal')), ...filesUnder(join(cluster.dataDir, 'base', String(oid)))]
      assert.ok(files.length > 10, `${files.length} files`)
      for (const file of files) {
        const bytes = readFileSync(file).toString('latin1')
        for (let i = 0; i < 3; i++) for (const value of Object.values(tokens(i, tag))) assert.ok(!bytes.includes(value), `${value} in ${file}`)
      }
      assert.ok(readFileSync(files.find((f) => f.includes('pg_wal') && /\/[0-9A-F]{24}$/.test(f))).toString('latin1').includes('u1@example.com'), 'the scan sees what is written in the clear')
      db.close()
    })
  }

  test('a ciphertext moved to another row, the wrong key or no key: AUTHLITE_DECRYPT naming the account, never garbage', async () => {
    const location = await freshLocation(backend)
    const { db } = await withAccounts(location, { encryptionKey: KEY_A })
    db.close()
    // Move account 0's access token into account 1's row.
    await execSql(location, `UPDATE "account" SET "access_token" = (SELECT "access_token" FROM "account" WHERE "providerAccountId" = '0') WHERE "providerAccountId" = '1'`)
    const a = adapterOf(location.open({ encryptionKey: KEY_A }))
    await assert.rejects(a.getAccount('1', 'github'), {
      code: 'AUTHLITE_DECRYPT',
      message: 'authlite: getAccount: cannot decrypt access_token of account "github"/"1": it does not authenticate (altered, or moved from another row)',
    })
    assert.equal((await a.getAccount('0', 'github')).access_token, tokens(0).access_token)
    const wrong = adapterOf(location.open({ encryptionKey: KEY_B }))
    await assert.rejects(wrong.getAccount('0', 'github'), { code: 'AUTHLITE_DECRYPT', message: /account "github"\/"0": it was encrypted with a key that is not in encryptionKey/ })
    const none = adapterOf(location.open())
    await assert.rejects(none.unlinkAccount({ provider: 'github', providerAccountId: '0' }), { code: 'AUTHLITE_DECRYPT', message: /no encryptionKey is set/ })
    assert.equal((await a.getAccount('0', 'github')).access_token, tokens(0).access_token, 'the failed unlink changed nothing')
  })

  test('rotation: rows from before the key and from the old key read; reencrypt() moves them all to the first key', async () => {
    const location = await freshLocation(backend)
    // Stored in the clear (no key yet), then under KEY_A.
    const plain = await withAccounts(location, {}, 2)
    plain.db.close()
    const old = location.open({ encryptionKey: KEY_A })
    const oldAdapter = adapterOf(old)
    await oldAdapter.createUser({ id: 'u9', email: 'u9@example.com' })
    await oldAdapter.linkAccount({ userId: 'u9', type: 'oauth', provider: 'github', providerAccountId: '9', ...tokens(9) })
    assert.equal((await oldAdapter.getAccount('0', 'github')).access_token, tokens(0).access_token, 'a row from before the key reads')
    old.close()

    const rotated = location.open({ encryptionKey: [KEY_B, KEY_A] })
    const r = adapterOf(rotated)
    assert.equal((await r.getAccount('9', 'github')).refresh_token, tokens(9).refresh_token, 'the old key still decrypts')
    assert.deepEqual(await rotated.reencrypt(), { accounts: 3 })
    assert.deepEqual(await rotated.reencrypt(), { accounts: 0 }, 'nothing left to do')
    rotated.close()

    const onlyNew = adapterOf(location.open({ encryptionKey: KEY_B }))
    for (const i of [0, 1, 9]) assert.equal((await onlyNew.getAccount(String(i), 'github')).id_token, tokens(i).id_token)
    assert.deepEqual(await rows(location, `SELECT count(*) AS n FROM "account" WHERE "access_token" NOT LIKE 'authlite:enc:v1:%'`), [{ n: 0 }])
  })

  if (backend === 'sqlite') {
    test('after reencrypt() of tokens stored in the clear, neither the file nor its WAL holds them', async () => {
      const location = await freshLocation(backend)
      const { path } = location
      const plain = await withAccounts(location, {}, 3)
      plain.db.close()
      const db = openAuthDatabase({ path, encryptionKey: KEY_A })
      assert.deepEqual(await db.reencrypt(), { accounts: 3 })
      const files = [path, `${path}-wal`].map((file) => {
        try {
          return readFileSync(file).toString('latin1')
        } catch {
          return '' // no WAL left
        }
      })
      for (let i = 0; i < 3; i++) for (const value of Object.values(tokens(i))) for (const bytes of files) assert.ok(!bytes.includes(value), `${value} still on disk`)
      db.close()
    })
  }

  test('encryptionKey is checked without ever echoing it', () => {
    const short = 'too-short-secret'
    const where = backend === 'postgres' ? { url: 'postgres://authlite:authlite@127.0.0.1:1/never-connected' } : { path: ':memory:' }
    for (const [encryptionKey, message] of [
      [short, /must be at least 32 characters/],
      [[KEY_A, short], /must be at least 32 characters/],
      [[], /must not be an empty array/],
      [42, /must be a string or an array of strings/],
      [[KEY_A, 7], /must be a string or an array of strings/],
    ]) {
      const error = (() => {
        try {
          openAuthDatabase({ ...where, encryptionKey })
        } catch (e) {
          return e
        }
      })()
      assert.equal(error?.code, 'AUTHLITE_INVALID_INPUT')
      assert.match(error.message, message)
      assert.ok(!error.message.includes(short) && !error.message.includes(KEY_A), error.message)
    }
    if (backend !== 'sqlite') return
    // One open file per process: asking again with another key is refused, naming no key.
    const path = tempDbPath()
    SqliteAdapter({ path, encryptionKey: KEY_A })
    assert.throws(() => SqliteAdapter({ path, encryptionKey: KEY_B }), (error) => {
      assert.equal(error.code, 'AUTHLITE_INVALID_INPUT')
      assert.match(error.message, /encryptionKeyIds/)
      assert.ok(!error.message.includes(KEY_A) && !error.message.includes(KEY_B), error.message)
      return true
    })
  })

  test('reencrypt without a key says so', async () => {
    const { open } = await freshLocation(backend)
    const db = backend === 'postgres' ? open() : openAuthDatabase(':memory:')
    assert.throws(() => db.reencrypt(), { code: 'AUTHLITE_INVALID_INPUT', message: 'authlite: reencrypt: no encryptionKey is set: open the database with one' })
    db.close()
  })
})
