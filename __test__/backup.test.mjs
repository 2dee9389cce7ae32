// db.backup(destination): a consistent copy of the live database, made off the JS thread while
// the app keeps writing, that opens as an authlite database with everything in it.

import assert from 'node:assert/strict'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'

import { inspect, tempDbPath } from './helpers.mjs'

const { SqliteAdapter, openAuthDatabase } = await import('../index.mjs')
const expires = () => new Date(Date.now() + 86_400_000)

test('backup copies the live database while writes go on; the copy opens with everything in it', async () => {
  const path = tempDbPath()
  const db = openAuthDatabase({ path })
  const a = SqliteAdapter(db)
  for (let i = 0; i < 2000; i++) {
    await a.createUser({ id: `u${i}`, email: `u${i}@example.com`, role: i % 2 ? 'admin' : 'user' })
    await a.linkAccount({ userId: `u${i}`, type: 'oauth', provider: 'github', providerAccountId: String(i), access_token: `t${i}` })
  }
  await a.createSession({ sessionToken: 'before', userId: 'u1', expires: expires() })
  // Writes keep landing while the copy is made.
  let writing = true
  let written = 0
  const writer = (async () => {
    while (writing) {
      await a.createSession({ sessionToken: `during-${written}`, userId: 'u2', expires: expires() })
      written++
    }
  })()
  const destination = join(dirname(path), 'copy.db')
  const copied = await db.backup(destination)
  writing = false
  await writer
  assert.ok(written > 0, 'writes went on during the backup')
  assert.ok(copied.pages > 10 && copied.bytes === copied.pages * 4096, JSON.stringify(copied))
  assert.equal(statSync(destination).mode & 0o777, 0o600)
  assert.equal(existsSync(`${destination}-wal`), false, 'the copy is one file')
  assert.deepEqual(inspect(destination, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }])

  const copy = SqliteAdapter(openAuthDatabase({ path: destination }))
  assert.equal((await copy.getUser('u1999'))?.role, 'admin')
  assert.equal((await copy.getAccount('7', 'github'))?.access_token, 't7')
  assert.equal((await copy.getSessionAndUser('before'))?.user.id, 'u1')
  // One snapshot: a session is either in it or not, and the copy counts fewer than the source.
  const [{ n: inCopy }] = inspect(destination, "SELECT count(*) AS n FROM session WHERE sessionToken <> ''")
  const [{ n: inSource }] = inspect(path, 'SELECT count(*) AS n FROM session')
  assert.ok(inCopy >= 1 && inCopy <= inSource, `${inCopy} in the copy, ${inSource} in the source`)
  db.close()
})

test('backup never overwrites, says what is wrong with a destination, and needs a file', async () => {
  const path = tempDbPath()
  const db = openAuthDatabase({ path })
  const taken = join(dirname(path), 'taken.db')
  await db.backup(taken)
  await assert.rejects(db.backup(taken), { code: 'AUTHLITE_INVALID_INPUT', message: /^authlite: backup: ".*taken\.db" already exists; back up to a new file/ })
  await assert.rejects(db.backup(join(dirname(path), 'no-such-dir', 'x.db')), { code: 'AUTHLITE_INVALID_INPUT', message: /the directory .*no-such-dir does not exist/ })
  assert.throws(() => db.backup(''), { code: 'AUTHLITE_INVALID_INPUT', message: 'authlite: backup: destination must be a non-empty string' })
  db.close()
  assert.throws(() => db.backup(join(dirname(path), 'late.db')), { code: 'AUTHLITE_CLOSED' })
  const memory = openAuthDatabase(':memory:')
  await assert.rejects(memory.backup(join(dirname(path), 'mem.db')), { code: 'AUTHLITE_INVALID_INPUT', message: /in-memory database/ })
  memory.close()
})
