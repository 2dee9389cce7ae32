// A full disk: writes reject with a clear AUTHLITE_DATABASE error, what was stored stays intact,
// and once space is freed writes work again. The disk is a 3 MiB tmpfs, so this runs where
// mounting one is allowed (root on Linux, as in CI) and is skipped elsewhere.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'

import { inspect } from './helpers.mjs'

const { SqliteAdapter, openAuthDatabase } = await import('../index.mjs')

function mountSmallDisk() {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null
  const dir = mkdtempSync(join(tmpdir(), 'authlite-full-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir], { stdio: 'ignore' })
    return dir
  } catch {
    rmSync(dir, { recursive: true, force: true })
    return null
  }
}

const disk = mountSmallDisk()

test('a full disk rejects writes clearly, keeps the data, and recovers once space is freed', { skip: !disk && 'cannot mount a small tmpfs here (needs root on Linux)' }, async () => {
  const path = join(disk, 'auth.db')
  const ballast = join(disk, 'ballast')
  const db = openAuthDatabase({ path })
  try {
    writeFileSync(ballast, Buffer.alloc(1024 * 1024))
    const a = SqliteAdapter(db)
    const notes = 'n'.repeat(60 * 1024)
    let stored = 0
    let failure
    for (let i = 0; i < 200 && !failure; i++) {
      try {
        await a.createUser({ id: `u${i}`, email: `u${i}@example.com`, notes })
        stored++
      } catch (error) {
        failure = error
      }
    }
    assert.ok(failure, 'the disk filled up')
    console.log(`disk full after ${stored} users: ${failure.message}`)
    assert.equal(failure.code, 'AUTHLITE_DATABASE')
    assert.match(failure.message, /^authlite: createUser: .*(full|disk)/i)
    assert.ok(stored > 5, `${stored} users stored first`)
    // Everything stored before is intact and readable.
    for (const i of [0, stored - 1]) assert.equal((await a.getUser(`u${i}`))?.notes.length, notes.length)
    // Free space: writes work again.
    rmSync(ballast)
    await a.createUser({ id: 'after', email: 'after@example.com', notes })
    assert.equal((await a.getUser('after'))?.email, 'after@example.com')
    db.close()
    assert.deepEqual(inspect(path, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }])
    assert.deepEqual(inspect(path, 'SELECT count(*) AS n FROM user'), [{ n: stored + 1 }])
  } finally {
    if (!db.closed) db.close()
    execFileSync('umount', [disk])
    rmSync(disk, { recursive: true, force: true })
  }
})
