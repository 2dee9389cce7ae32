// One database per file per process: SqliteAdapter reuses the handle it opened for a file
// however the path and options are spelled and refuses other options for that file;
// openAuthDatabase always opens a handle of its own. Handles are counted by their writer threads (Linux names
// each one "authlite-writer").

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { test } from 'node:test'

import { tempDbPath } from './helpers.mjs'

const { SqliteAdapter, openAuthDatabase } = await import('../index.mjs')

function namedWriterThreads() {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'authlite-writer'
    } catch {
      return false // the thread ended meanwhile
    }
  }).length
}

/**
 * The writer threads, once the count is settled: a thread Rust spawns names itself when it
 * first runs, a moment after the call that spawned it returned, and one being joined is gone
 * a moment after close().
 */
async function writerThreads() {
  let last = namedWriterThreads()
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    const now = namedWriterThreads()
    if (now === last) return now
    last = now
  }
  return last
}

test('one handle per file: the path and options spelled differently still share it', { skip: process.platform !== 'linux' && 'counts threads in /proc' }, async () => {
  const path = tempDbPath()
  const before = await writerThreads()
  const spellings = [
    path,
    { path },
    { path: join(dirname(path), '.', basename(path)) },
    { path: relative(process.cwd(), path) },
    { busyTimeoutMs: 5000, path, hashSessionTokens: true },
    { hashSessionTokens: true, path },
  ]
  const adapters = spellings.map((options) => SqliteAdapter(options))
  assert.equal((await writerThreads()) - before, 1, 'one writer thread, so one handle, for six spellings')
  // They are one database: what one writes, all read.
  await adapters[0].createUser({ id: 'u', email: 'u@example.com' })
  for (const a of adapters) assert.equal((await a.getUser('u'))?.email, 'u@example.com')
})

test('other options for a file already open are refused, naming what differs', () => {
  const path = tempDbPath()
  SqliteAdapter({ path })
  assert.throws(() => SqliteAdapter({ path, hashSessionTokens: false }), {
    code: 'AUTHLITE_INVALID_INPUT',
    message: /^authlite: open: ".*auth\.db" is already open in this process with other options \(hashSessionTokens: true; asked now for hashSessionTokens: false\)/,
  })
  assert.throws(() => SqliteAdapter({ path, busyTimeoutMs: 100 }), { code: 'AUTHLITE_INVALID_INPUT', message: /busyTimeoutMs: 5000; asked now for busyTimeoutMs: 100/ })
  // A typo is still an error, not a match.
  assert.throws(() => SqliteAdapter({ path, hashSessionToken: true }), { code: 'AUTHLITE_INVALID_INPUT', message: /unknown option "hashSessionToken"/ })
})

test('openAuthDatabase always opens its own handle', { skip: process.platform !== 'linux' && 'counts threads in /proc' }, async () => {
  const path = tempDbPath()
  const before = await writerThreads()
  const db = openAuthDatabase({ path })
  SqliteAdapter({ path })
  assert.equal((await writerThreads()) - before, 2)
  db.close()
  const shared = openAuthDatabase({ path })
  const viaShared = SqliteAdapter(shared)
  await viaShared.createUser({ id: 'x', email: 'x@example.com' })
  shared.close()
  // Closing those leaves the handle SqliteAdapter({ path }) opened, which it still returns.
  assert.equal((await SqliteAdapter({ path }).getUser('x'))?.id, 'x')
  assert.equal((await writerThreads()) - before, 1)
})

test(':memory: is never shared', async () => {
  const a = SqliteAdapter(':memory:')
  const b = SqliteAdapter({ path: ':memory:' })
  await a.createUser({ id: 'm', email: 'm@example.com' })
  assert.equal(await b.getUser('m'), null)
})
