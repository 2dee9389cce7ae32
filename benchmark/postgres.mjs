// The PostgreSQL benchmark of issue 9: authlite's PostgresAdapter against @auth/pg-adapter
// (node-postgres) and @auth/drizzle-adapter on drizzle-orm/node-postgres, on one throwaway
// PostgreSQL 15 cluster (scripts/postgres-cluster.mjs, stopped at the end, also on errors), each
// adapter on its own database of it, each with a pool of 10 connections, each in its own child
// process (worker.mjs), the adapters taking turns on every measurement, best of --rounds
// (turns.mjs). The workloads are the SQLite benchmark's (workloads.mjs). Besides throughput it
// records the CPU time per operation of the client process and of the server, and, after the
// timed runs, round trips and statements per flow (postgres-trips.mjs). Prints Markdown tables
// (ratio: authlite ÷ the faster of the two JS adapters) and writes results/postgres-latest.json
// and results/postgres-latest.md (with --pooler: postgres-pooler-latest.*).
//
//   npm run bench:postgres                               10,000 users, best of 3 × 1.5 s (~3 min)
//   npm run bench:postgres -- --rounds 4 --seconds 3     steadier
//   npm run bench:postgres -- --users 1000000            the scale run
//   npm run bench:postgres -- --workloads getSessionAndUser,seeding --trips 0
//   npm run bench:postgres -- --pooler                   every adapter through PgBouncer (Debian's
//                                                        1.18, transaction mode, 10 server
//                                                        connections per database), as behind
//                                                        Supabase's or Neon's pooled URL
//
// Options may also come from the environment: BENCH_USERS, BENCH_SECONDS, BENCH_WARMUP, BENCH_ROUNDS.

import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { startPgBouncer } from '../scripts/pgbouncer.mjs'
import { startCluster } from '../scripts/postgres-cluster.mjs'
import { POOL_SIZE } from './adapters/postgres.mjs'
import { countRoundTrips } from './postgres-trips.mjs'
import { createTurns } from './turns.mjs'
import { WORKLOADS } from './workloads.mjs'

const AUTHLITE = 'authlite-postgres'
const JS_ADAPTERS = ['pg-adapter', 'drizzle-postgres']
const ALL = [AUTHLITE, ...JS_ADAPTERS]
const DEFAULT_WORKLOADS = ['getSessionAndUser', 'session churn', 'email sign-in', 'OAuth sign-up']
const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: process.env.BENCH_USERS ?? '10000' },
    seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '1.5' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '0.3' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '3' },
    adapters: { type: 'string', default: ALL.join(',') },
    workloads: { type: 'string', default: DEFAULT_WORKLOADS.join(',') },
    trips: { type: 'string', default: '200' }, // flows per workload counted through the proxy; 0: none
    pooler: { type: 'boolean', default: false },
    out: { type: 'string', default: fileURLToPath(new URL('results/', import.meta.url)) },
  },
})
const adapters = args.adapters.split(',').filter(Boolean)
for (const a of adapters) if (!ALL.includes(a)) throw new Error(`unknown adapter ${a}; one of ${ALL.join(', ')}`)
const workloads = WORKLOADS.filter((w) => args.workloads.split(',').includes(w.name))
if (workloads.length === 0) throw new Error(`no workload in --workloads; among ${WORKLOADS.map((w) => w.name).join(', ')}`)
const options = {
  users: Number(args.users),
  seconds: Number(args.seconds),
  warmup: Number(args.warmup),
  rounds: Number(args.rounds),
  concurrencies: [1, 64],
  poolSize: POOL_SIZE,
  pooler: args.pooler ? 'PgBouncer, transaction mode' : null,
  expiresMs: Math.floor(Date.now() / 1000) * 1000 + 30 * 86_400_000, // every seeded session's expiry
}

const root = fileURLToPath(new URL('..', import.meta.url))
const addon = readdirSync(root).find((f) => /^authlite\..+\.node$/.test(f))
if (!addon) throw new Error('no authlite addon here: run `npm run build` first')
const git = (...a) => { try { return execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim() } catch { return null } }
const started = Date.now()
const machine = {
  cpu: cpus()[0]?.model.trim(),
  cores: cpus().length,
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  loadAverageAtStart: loadavg().map((l) => +l.toFixed(2)),
  date: new Date().toISOString(),
  commit: git('rev-parse', '--short', 'HEAD'),
  addon: { file: addon, sha256: createHash('sha256').update(readFileSync(join(root, addon))).digest('hex').slice(0, 16) },
}
console.error(`authlite PostgreSQL benchmark: ${options.users.toLocaleString('en-US')} users, ${options.seconds} s per measurement (+${options.warmup} s warm-up), pools of ${POOL_SIZE}, ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`)

const results = { machine, options, adapters: {}, trips: {} }
const cluster = await startCluster()
let turns
let pooler = null
try {
  if (args.pooler) {
    pooler = await startPgBouncer(cluster, { poolMode: 'transaction', poolSize: POOL_SIZE })
    results.pooler = (await import('node:child_process')).execFileSync('/usr/sbin/pgbouncer', ['--version'], { encoding: 'utf8' }).split('\n')[0]
  }
  results.server = (await cluster.psql('SHOW server_version')).trim()
  results.serverSettings = Object.fromEntries((await cluster.psql("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections')")).trim().split('\n').map((l) => l.split('|')))
  const serverPid = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  const urls = {}
  for (const name of adapters) {
    const url = await cluster.createDatabase(`bench_${name.replace(/\W/g, '_')}`)
    urls[name] = pooler ? pooler.pooled(url) : url
  }
  turns = createTurns({ ...options, serverPid }, (name) => urls[name])
  // c64 before c1: every c1 measurement then finds the pools' connections open (as in a server
  // that has had a burst), not only those after the first c64 one.
  const tasks = workloads.flatMap((w) => [...options.concurrencies].reverse().map((concurrency) => ({ workload: w.name, concurrency })))
  results.adapters = await turns.phase('methods', adapters, tasks)
  if (Number(args.trips) > 0) {
    console.error('round trips per flow (through a counting proxy, c1)')
    results.trips = await countRoundTrips({ adapters, urls, port: pooler?.port ?? cluster.port, workloads: workloads.map((w) => w.name), users: options.users, expiresMs: options.expiresMs, flows: Number(args.trips) })
  }
} finally {
  turns?.stop()
  await pooler?.stop()
  await cluster.stop()
}
results.seconds = Math.round((Date.now() - started) / 1000)

// The same seeded data everywhere.
const counts = Object.values(results.adapters).map((r) => JSON.stringify(r.counts))
if (new Set(counts).size > 1) throw new Error(`seeding differs between adapters: ${counts.join(' vs ')}`)

// ---- tables ----
const fmt = (n) => Math.round(n).toLocaleString('en-US')
const us = (n) => (n == null || Number.isNaN(n) ? '–' : `${Math.round(n)} µs`)
const latency = (ms) => (ms < 1 ? `${+(ms * 1000).toPrecision(3)} µs` : `${+ms.toPrecision(3)} ms`)
const find = (name, workload, concurrency) => results.adapters[name]?.results.find((r) => r.workload === workload && r.concurrency === concurrency)
const label = (name) => results.adapters[name]?.label ?? name
const js = adapters.filter((a) => JS_ADAPTERS.includes(a))
const withRatio = adapters.includes(AUTHLITE) && js.length > 0
const md = []
const row = (cells) => md.push(`| ${cells.join(' | ')} |`)
const header = (extra = []) => {
  row(['workload', 'c', ...adapters.map(label), ...extra])
  row(['---', '---', ...adapters.map(() => '---:'), ...extra.map(() => '---:')])
}

md.push(`PostgreSQL ${results.server} (throwaway cluster on 127.0.0.1, fsync ${results.serverSettings.fsync})${results.pooler ? `, every adapter through ${results.pooler} in transaction mode (${POOL_SIZE} server connections per database)` : ''}, one database per adapter, pools of ${POOL_SIZE} connections, ${options.users.toLocaleString('en-US')} users (one account and one session each), ${options.seconds} s per measurement${options.rounds > 1 ? ` (best of ${options.rounds} rounds)` : ''}, the adapters taking turns, ${machine.cpu} (${machine.cores} cores, shared by client and server), Node ${machine.node}, ${machine.date.slice(0, 10)}. c1: one caller awaiting each call in sequence; c64: 64 concurrent callers.`, '')
md.push(`**Adapter methods, per second** (calls for getSessionAndUser, whole flows for the rest)${withRatio ? '; ratio: authlite ÷ the faster JS adapter' : ''}`, '')
header(withRatio ? ['authlite ÷ faster JS'] : [])
for (const w of workloads) {
  for (const c of options.concurrencies) {
    const cells = adapters.map((a) => fmt(find(a, w.name, c).perSecond))
    if (withRatio) {
      const fastest = Math.max(...js.map((a) => find(a, w.name, c).perSecond))
      cells.push(`${(find(AUTHLITE, w.name, c).perSecond / fastest).toFixed(2)}×`)
    }
    row([w.name, c, ...cells])
  }
}
md.push('', '**Per operation: CPU time of the client process (all threads) + of the PostgreSQL server (all its processes) · times a client thread went to sleep (voluntary context switches) · latency p50 / p99**', '')
header()
for (const w of workloads) {
  for (const c of options.concurrencies) {
    row([w.name, c, ...adapters.map((a) => {
      const r = find(a, w.name, c)
      return `${us(r.cpuUsPerOp)} + ${us(r.serverCpuUsPerOp)} · ${r.waitsPerOp} · ${latency(r.p50Ms)} / ${latency(r.p99Ms)}`
    })])
  }
}
row(['peak RSS of the client (MB)', '', ...adapters.map((a) => String(results.adapters[a].maxRssMB))])
row(['bulk seed (s)', '', ...adapters.map((a) => String(results.adapters[a].bulkSeedSeconds))])
if (Object.keys(results.trips).length > 0) {
  md.push('', `**Round trips per flow** (c1, counted on the wire over ${args.trips} flows after a warm-up): round trips · statements run · statements parsed`, '')
  row(['workload', ...adapters.map(label)])
  row(['---', ...adapters.map(() => '---:')])
  for (const w of workloads) {
    row([w.name, ...adapters.map((a) => {
      const t = results.trips[a][w.name]
      return `${t.roundTrips} · ${t.statements} · ${t.parses}`
    })])
  }
}
md.push('', `Run took ${results.seconds} s (authlite ${machine.commit ?? ''}, addon ${machine.addon.sha256}).`)
const table = md.join('\n')
console.log(`\n${table}`)

// ---- files ----
mkdirSync(args.out, { recursive: true })
const stem = args.pooler ? 'postgres-pooler-latest' : 'postgres-latest'
writeFileSync(join(args.out, `${stem}.json`), JSON.stringify(results, null, 2) + '\n')
writeFileSync(join(args.out, `${stem}.md`), table + '\n')
console.error(`wrote ${join(args.out, `${stem}.json`)} and ${stem}.md`)
