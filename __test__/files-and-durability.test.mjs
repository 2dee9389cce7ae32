// The database file and its WAL and shared-memory files are created owner-only, and the
// `synchronous` option: "full" makes every write durable before its promise resolves.

import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { test } from 'node:test'

import { freshAdapter, inspect, tempDbPath } from './helpers.mjs'

const { SqliteAdapter, openAuthDatabase } = await import('../index.mjs')
const expires = () => new Date(Date.now() + 86_400_000)

test('a new database, its -wal and its -shm are readable and writable by their owner only', { skip: process.platform === 'win32' && 'no POSIX modes' }, async () => {
  const path = tempDbPath()
  const a = SqliteAdapter({ path })
  await a.createUser({ id: 'u', email: 'u@example.com' })
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    assert.equal((statSync(file).mode & 0o777).toString(8), '600', file)
  }
})

test('synchronous: "full" writes through the writer thread, each resolved write on disk and visible', async () => {
  const a = freshAdapter({ synchronous: 'full' })
  await a.createUser({ id: 'u', email: 'u@example.com' })
  const created = await Promise.all(Array.from({ length: 32 }, (_, i) => a.createSession({ sessionToken: `s${i}`, userId: 'u', expires: expires() })))
  assert.equal(created.length, 32)
  assert.deepEqual(inspect(a.path, 'SELECT count(*) AS n FROM session'), [{ n: 32 }])
  assert.equal((await a.getSessionAndUser('s3'))?.user.id, 'u')
  await assert.rejects(a.createSession({ sessionToken: 's3', userId: 'u', expires: expires() }), { code: 'AUTHLITE_CONFLICT' })
  assert.equal(await a.deleteSession('s3').then((s) => s?.sessionToken), 's3')
})

test('synchronous takes "normal" or "full", and is part of what identifies an open file', () => {
  assert.throws(() => openAuthDatabase({ path: ':memory:', synchronous: 'extra' }), {
    code: 'AUTHLITE_INVALID_INPUT',
    message: 'authlite: open: options.synchronous must be "normal" or "full", got "extra"',
  })
  assert.throws(() => openAuthDatabase({ path: ':memory:', synchronous: 2 }), { code: 'AUTHLITE_INVALID_INPUT', message: /options\.synchronous must be a string, got a number/ })
  const path = tempDbPath()
  SqliteAdapter({ path, synchronous: 'normal' })
  SqliteAdapter({ path }) // the default is "normal": the same database
  assert.throws(() => SqliteAdapter({ path, synchronous: 'full' }), { code: 'AUTHLITE_INVALID_INPUT', message: /synchronous: "normal"; asked now for synchronous: "full"/ })
})
