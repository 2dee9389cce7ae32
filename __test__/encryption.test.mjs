// encryptionKey: OAuth tokens encrypted at rest (XChaCha20-Poly1305, keys from HKDF-SHA256),
// bound to their row, rotated with an array of keys and reencrypt(), never written in the clear
// to the file, its WAL or a backup, and never echoed in an error.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'

import { inspect, tempDbPath } from './helpers.mjs'

const { SqliteAdapter, openAuthDatabase } = await import('../index.mjs')
const KEY_A = 'first secret key, at least 32 characters long'
const KEY_B = 'second secret key, also 32 characters or more'
const tokens = (i) => ({ access_token: `gho_ACCESS_${i}_plaintext`, refresh_token: `ghr_REFRESH_${i}_plaintext`, id_token: `eyJ.ID_${i}.plaintext` })

async function withAccounts(options, count = 3) {
  const db = openAuthDatabase(options)
  const a = SqliteAdapter(db)
  for (let i = 0; i < count; i++) {
    await a.createUser({ id: `u${i}`, email: `u${i}@example.com` })
    await a.linkAccount({ userId: `u${i}`, type: 'oauth', provider: 'github', providerAccountId: String(i), scope: 'read:user', ...tokens(i) })
  }
  return { db, a }
}

test('tokens are encrypted in the file, its WAL and a backup; reads return the plaintext', async () => {
  const path = tempDbPath()
  const { db, a } = await withAccounts({ path, encryptionKey: KEY_A })
  const account = await a.getAccount('1', 'github')
  assert.deepEqual({ access_token: account.access_token, refresh_token: account.refresh_token, id_token: account.id_token }, tokens(1))
  assert.equal(account.scope, 'read:user', 'other fields are not encrypted')
  const [raw] = inspect(path, "SELECT access_token, refresh_token, id_token, scope FROM account WHERE providerAccountId = '1'")
  for (const column of ['access_token', 'refresh_token', 'id_token']) assert.match(raw[column], /^authlite:enc:v1:[0-9a-f]{16}:[A-Za-z0-9_-]+$/)
  const backup = join(dirname(path), 'backup.db')
  await db.backup(backup)
  for (const file of [path, `${path}-wal`, backup]) {
    const bytes = readFileSync(file).toString('latin1')
    for (let i = 0; i < 3; i++) for (const value of Object.values(tokens(i))) assert.ok(!bytes.includes(value), `${value} in ${file}`)
  }
  assert.equal((await a.unlinkAccount({ provider: 'github', providerAccountId: '2' }))?.access_token, tokens(2).access_token)
  db.close()
})

test('a ciphertext moved to another row, the wrong key or no key: AUTHLITE_DECRYPT naming the account, never garbage', async () => {
  const path = tempDbPath()
  const { db } = await withAccounts({ path, encryptionKey: KEY_A })
  db.close()
  // Move account 0's access token into account 1's row.
  const Database = (await import('better-sqlite3')).default
  const raw = new Database(path)
  raw.prepare("UPDATE account SET access_token = (SELECT access_token FROM account WHERE providerAccountId = '0') WHERE providerAccountId = '1'").run()
  raw.close()
  const a = SqliteAdapter(openAuthDatabase({ path, encryptionKey: KEY_A }))
  await assert.rejects(a.getAccount('1', 'github'), {
    code: 'AUTHLITE_DECRYPT',
    message: 'authlite: getAccount: cannot decrypt access_token of account "github"/"1": it does not authenticate (altered, or moved from another row)',
  })
  assert.equal((await a.getAccount('0', 'github')).access_token, tokens(0).access_token)
  const wrong = SqliteAdapter(openAuthDatabase({ path, encryptionKey: KEY_B }))
  await assert.rejects(wrong.getAccount('0', 'github'), { code: 'AUTHLITE_DECRYPT', message: /account "github"\/"0": it was encrypted with a key that is not in encryptionKey/ })
  const none = SqliteAdapter(openAuthDatabase({ path }))
  await assert.rejects(none.unlinkAccount({ provider: 'github', providerAccountId: '0' }), { code: 'AUTHLITE_DECRYPT', message: /no encryptionKey is set/ })
  assert.equal((await a.getAccount('0', 'github')).access_token, tokens(0).access_token, 'the failed unlink changed nothing')
})

test('rotation: rows from before the key and from the old key read; reencrypt() moves them all to the first key', async () => {
  const path = tempDbPath()
  // Stored in the clear (no key yet), then under KEY_A.
  const plain = await withAccounts({ path }, 2)
  plain.db.close()
  const old = openAuthDatabase({ path, encryptionKey: KEY_A })
  const oldAdapter = SqliteAdapter(old)
  await oldAdapter.createUser({ id: 'u9', email: 'u9@example.com' })
  await oldAdapter.linkAccount({ userId: 'u9', type: 'oauth', provider: 'github', providerAccountId: '9', ...tokens(9) })
  assert.equal((await oldAdapter.getAccount('0', 'github')).access_token, tokens(0).access_token, 'a row from before the key reads')
  old.close()

  const rotated = openAuthDatabase({ path, encryptionKey: [KEY_B, KEY_A] })
  const r = SqliteAdapter(rotated)
  assert.equal((await r.getAccount('9', 'github')).refresh_token, tokens(9).refresh_token, 'the old key still decrypts')
  assert.deepEqual(await rotated.reencrypt(), { accounts: 3 })
  assert.deepEqual(await rotated.reencrypt(), { accounts: 0 }, 'nothing left to do')
  rotated.close()

  const onlyNew = SqliteAdapter(openAuthDatabase({ path, encryptionKey: KEY_B }))
  for (const i of [0, 1, 9]) assert.equal((await onlyNew.getAccount(String(i), 'github')).id_token, tokens(i).id_token)
  assert.deepEqual(inspect(path, "SELECT count(*) AS n FROM account WHERE access_token NOT LIKE 'authlite:enc:v1:%'"), [{ n: 0 }])
})

test('after reencrypt() of tokens stored in the clear, neither the file nor its WAL holds them', async () => {
  const path = tempDbPath()
  const plain = await withAccounts({ path }, 3)
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

test('encryptionKey is checked without ever echoing it', () => {
  const short = 'too-short-secret'
  for (const [encryptionKey, message] of [
    [short, /must be at least 32 characters/],
    [[KEY_A, short], /must be at least 32 characters/],
    [[], /must not be an empty array/],
    [42, /must be a string or an array of strings/],
    [[KEY_A, 7], /must be a string or an array of strings/],
  ]) {
    const error = (() => {
      try {
        openAuthDatabase({ path: ':memory:', encryptionKey })
      } catch (e) {
        return e
      }
    })()
    assert.equal(error?.code, 'AUTHLITE_INVALID_INPUT')
    assert.match(error.message, message)
    assert.ok(!error.message.includes(short) && !error.message.includes(KEY_A), error.message)
  }
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
  const db = openAuthDatabase(':memory:')
  assert.throws(() => db.reencrypt(), { code: 'AUTHLITE_INVALID_INPUT', message: 'authlite: reencrypt: no encryptionKey is set: open the database with one' })
  db.close()
})
