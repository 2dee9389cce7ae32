// The benchmark of issue #7: authlite against a hand-written better-sqlite3 adapter,
// @auth/kysely-adapter and @auth/drizzle-adapter, each on its own SQLite file with the same
// pragmas, each in its own child process (worker.mjs, driven by turns.mjs). The adapters take
// turns on every measurement, so a noisy moment hits all of them alike; each measurement is
// repeated (--rounds, default 2) and the best kept: on a shared machine noise only ever slows a
// run down. Prints Markdown tables (ratios against the hand-written adapter), writes
// results/latest.json (with the machine and every run) and results/latest.md, and draws
// results/latest.svg.
//
//   npm run bench                                  10,000 users, best of 2 × 1.5 s (~4.5 min)
//   npm run bench -- --users 1000000               the scale run (seeding takes a while)
//   npm run bench -- --rounds 5 --seconds 3        steadier (~20 min)
//   npm run bench -- --seconds 1 --warmup 0.2      quicker, noisier
//   npm run bench -- --adapters authlite,hand-written --no-http
//
// Options may also come from the environment: BENCH_USERS, BENCH_SECONDS, BENCH_WARMUP, BENCH_ROUNDS.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { renderChart } from './chart.mjs'
import { HTTP_VARIANTS } from './http-session.mjs'
import { createTurns } from './turns.mjs'
import { WORKLOADS } from './workloads.mjs'

const ALL = ['authlite', 'hand-written', 'kysely', 'drizzle']
const BASE = 'hand-written'
const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: process.env.BENCH_USERS ?? '10000' },
    seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '1.5' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '0.3' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '2' },
    'http-users': { type: 'string', default: '2000' },
    adapters: { type: 'string', default: ALL.join(',') },
    'no-http': { type: 'boolean', default: false },
    out: { type: 'string', default: fileURLToPath(new URL('results/', import.meta.url)) },
    keep: { type: 'boolean', default: false },
  },
})
const adapters = args.adapters.split(',').filter(Boolean)
for (const a of adapters) if (!ALL.includes(a)) throw new Error(`unknown adapter ${a}; one of ${ALL.join(', ')}`)
const options = {
  users: Number(args.users),
  seconds: Number(args.seconds),
  warmup: Number(args.warmup),
  rounds: Number(args.rounds),
  httpUsers: Number(args['http-users']),
  concurrencies: [1, 64],
  expiresMs: Math.floor(Date.now() / 1000) * 1000 + 30 * 86_400_000, // every seeded session's expiry
}
const dir = mkdtempSync(join(tmpdir(), 'authlite-bench-'))
const started = Date.now()
const machine = {
  cpu: cpus()[0]?.model.trim(),
  cores: cpus().length,
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  loadAverageAtStart: loadavg().map((l) => +l.toFixed(2)),
  date: new Date().toISOString(),
}
console.error(`authlite benchmark: ${options.users.toLocaleString('en-US')} users, ${options.seconds} s per measurement (+${options.warmup} s warm-up), ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`)

const turns = createTurns(options, (adapter) => join(dir, `${adapter}.db`))
const results = { machine, options, adapters: {}, http: {} }
const methodTasks = WORKLOADS.map((w) => w.name).flatMap((workload) => options.concurrencies.map((concurrency) => ({ workload, concurrency })))
try {
  results.adapters = await turns.phase('methods', adapters, methodTasks)
  if (!args['no-http']) {
    const tasks = HTTP_VARIANTS.flatMap((v, vi) => options.concurrencies.map((concurrency) => ({
      workload: v.name,
      concurrency,
      // JWT has no updateAge (it re-encodes the cookie on every request): measured once.
      only: vi === 0 ? [...adapters, 'jwt'] : adapters,
    })))
    results.http = await turns.phase('http', [...adapters, 'jwt'], tasks)
  }
} finally {
  turns.stop()
  if (!args.keep) rmSync(dir, { recursive: true, force: true })
  else console.error(`databases kept in ${dir}`)
}
results.seconds = Math.round((Date.now() - started) / 1000)

// The same seeded data everywhere: row counts per table (names differ in case only).
const TABLES = ['user', 'account', 'session', 'verificationtoken']
const counts = Object.values(results.adapters).map((r) => JSON.stringify(TABLES.map((t) => [t, r.counts[t]])))
if (new Set(counts).size > 1) throw new Error(`seeding differs between adapters: ${counts.join(' vs ')}`)

// ---- tables ----
const fmt = (n) => Math.round(n).toLocaleString('en-US')
const ratio = (n, base) => (base ? `${(n / base).toFixed(2)}×` : '–')
const latency = (ms) => (ms < 1 ? `${+(ms * 1000).toPrecision(3)} µs` : `${+ms.toPrecision(3)} ms`)
const find = (list, workload, concurrency) => list?.find((r) => r.workload === workload && r.concurrency === concurrency)
const md = []
const row = (cells) => md.push(`| ${cells.join(' | ')} |`)
const labels = (names) => names.map((a) => results.adapters[a]?.label ?? results.http[a]?.label ?? a)

md.push(`${options.users.toLocaleString('en-US')} users (one account and one session each), ${options.seconds} s per measurement${options.rounds > 1 ? ` (best of ${options.rounds} rounds)` : ''}, the adapters taking turns, ${machine.cpu} (${machine.cores} cores), Node ${machine.node}, ${machine.date.slice(0, 10)}. c1: one caller awaiting each call in sequence; c64: 64 concurrent callers. Ratios: throughput ÷ the hand-written better-sqlite3 adapter's.`, '')
md.push('**Adapter methods, per second** (calls for getSessionAndUser, whole flows for the rest)', '')
row(['workload', 'c', ...labels(adapters)])
row(['---', '---', ...adapters.map(() => '---:')])
for (const w of WORKLOADS) {
  for (const c of options.concurrencies) {
    const base = find(results.adapters[BASE]?.results, w.name, c)?.perSecond
    row([w.name, c, ...adapters.map((a) => {
      const r = find(results.adapters[a].results, w.name, c)
      return a === BASE ? fmt(r.perSecond) : `${fmt(r.perSecond)} (${ratio(r.perSecond, base)})`
    })])
  }
}
md.push('', '**CPU time per operation (all threads of the process) · latency p50 / p99 · peak RSS of the process so far**', '')
row(['workload', 'c', ...labels(adapters)])
row(['---', '---', ...adapters.map(() => '---:')])
for (const w of WORKLOADS) {
  for (const c of options.concurrencies) {
    row([w.name, c, ...adapters.map((a) => {
      const r = find(results.adapters[a].results, w.name, c)
      return `${r.cpuUsPerOp.toPrecision(3)} µs · ${latency(r.p50Ms)} / ${latency(r.p99Ms)} · ${r.maxRssMB} MB`
    })])
  }
}
row(['bulk seed (raw SQL, s)', '', ...adapters.map((a) => String(results.adapters[a].bulkSeedSeconds))])

if (!args['no-http']) {
  const cols = [...adapters, 'jwt']
  md.push('', `**Auth() GET /session, requests per second** (@auth/core in-process, ${Math.min(options.users, options.httpUsers).toLocaleString('en-US')} signed-in users; “+ updateSession”: \`session.updateAge: 0\`; ratios vs hand-written / vs JWT)`, '')
  row(['request', 'c', ...labels(cols)])
  row(['---', '---', ...cols.map(() => '---:')])
  for (const v of HTTP_VARIANTS) {
    for (const c of options.concurrencies) {
      const base = find(results.http[BASE]?.results, v.name, c)?.perSecond
      const jwt = find(results.http.jwt.results, 'GET /session', c).perSecond
      row([v.name, c, ...cols.map((a) => {
        if (a === 'jwt') return fmt(jwt)
        const n = find(results.http[a].results, v.name, c).perSecond
        return `${fmt(n)} (${a === BASE ? '1.00×' : ratio(n, base)} / ${ratio(n, jwt)})`
      })])
    }
  }
  row(['peak RSS (MB)', '', ...cols.map((a) => String(results.http[a].maxRssMB))])
}
md.push('', `Run took ${results.seconds} s.`)
const table = md.join('\n')
console.log(`\n${table}`)

// ---- files ----
mkdirSync(args.out, { recursive: true })
writeFileSync(join(args.out, 'latest.json'), JSON.stringify(results, null, 2) + '\n')
writeFileSync(join(args.out, 'latest.md'), table + '\n')
const groups = [
  ...WORKLOADS.map((w) => ({ name: w.name, list: (a) => results.adapters[a]?.results, base: results.adapters[BASE]?.results, key: w.name })),
  ...(args['no-http'] ? [] : HTTP_VARIANTS.map((v) => ({ name: v.name, list: (a) => results.http[a]?.results, base: results.http[BASE]?.results, key: v.name }))),
].map(({ name, list, base, key }) => ({
  name,
  bars: adapters.filter((a) => a !== BASE).flatMap((a) => options.concurrencies.map((c) => ({
    adapter: a.replace(/-.*/, ''),
    label: results.adapters[a].label,
    concurrency: c,
    ratio: find(list(a), key, c).perSecond / find(base, key, c).perSecond,
  }))),
}))
if (adapters.includes(BASE) && adapters.length > 1) {
  writeFileSync(join(args.out, 'latest.svg'), renderChart({
    title: 'Auth.js adapters on SQLite: throughput relative to a hand-written better-sqlite3 adapter',
    subtitle: `${options.users.toLocaleString('en-US')} users · ${machine.cpu}, ${machine.cores} cores · Node ${machine.node} · ${machine.date.slice(0, 10)}`,
    groups,
  }))
}
console.error(`wrote ${join(args.out, 'latest.json')}, latest.md${adapters.includes(BASE) ? ', latest.svg' : ''}`)
