// Ratios against the hand-written adapter over several saved runs, as a Markdown table: the
// machine is noisy, so a claim should rest on the range of a ratio measured side by side in
// each run, not on one run's absolute numbers.
//
//   node benchmark/ranges.mjs run1.json run2.json run3.json

import { readFileSync } from 'node:fs'

const files = process.argv.slice(2)
if (files.length === 0) {
  console.error('usage: node benchmark/ranges.mjs <results.json>...')
  process.exit(2)
}
const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')))

/** The best round of `workload` at `concurrency` in `results` (one adapter's runs). */
function best(results, workload, concurrency) {
  const rounds = results.filter((r) => r.workload === workload && r.concurrency === concurrency)
  return rounds.length ? Math.max(...rounds.map((r) => r.perSecond)) : undefined
}

/** `min–max×` of `ratio(run)` over the runs that have it. */
function range(ratio) {
  const values = runs.map(ratio).filter((v) => Number.isFinite(v))
  if (!values.length) return '–'
  const [lo, hi] = [Math.min(...values), Math.max(...values)].map((v) => v.toFixed(2))
  return lo === hi ? `${lo}×` : `${lo}–${hi}×`
}

const adapters = Object.keys(runs[0].adapters).filter((a) => a !== 'hand-written')
const pairs = [...new Set(runs[0].adapters.authlite.runs.map((r) => `${r.workload}\u0000${r.concurrency}`))]

console.log(`Throughput ÷ hand-written better-sqlite3, range over ${runs.length} runs\n`)
console.log(`| workload | c | ${adapters.join(' | ')} |`)
console.log(`| --- | --- | ${adapters.map(() => '---:').join(' | ')} |`)
for (const pair of pairs) {
  const [workload, c] = pair.split('\u0000')
  const cells = adapters.map((name) =>
    range((run) => best(run.adapters[name]?.runs ?? [], workload, Number(c)) / best(run.adapters['hand-written'].runs, workload, Number(c))),
  )
  console.log(`| ${workload} | ${c} | ${cells.join(' | ')} |`)
}

if (runs[0].http) {
  const names = Object.keys(runs[0].http).filter((a) => a !== 'hand-written' && a !== 'jwt')
  const jwt = Object.keys(runs[0].http).find((a) => /jwt/i.test(a))
  const requests = [...new Set(runs[0].http.authlite.runs.map((r) => `${r.workload}\u0000${r.concurrency}`))]
  console.log(`\nAuth() GET /session: ÷ hand-written, and ÷ the JWT strategy\n`)
  console.log(`| request | c | ${names.map((n) => `${n} ÷ hand-written | ${n} ÷ JWT`).join(' | ')} |`)
  console.log(`| --- | --- | ${names.map(() => '---: | ---:').join(' | ')} |`)
  for (const pair of requests) {
    const [workload, c] = pair.split('\u0000')
    const of = (run, name, w = workload) => best(run.http[name]?.runs ?? [], w, Number(c))
    const cells = names.map(
      (name) =>
        `${range((run) => of(run, name) / of(run, 'hand-written'))} | ${range((run) => of(run, name) / (jwt ? best(run.http[jwt].runs, 'GET /session', Number(c)) : NaN))}`,
    )
    console.log(`| ${workload} | ${c} | ${cells.join(' | ')} |`)
  }
}
