// The machinery both benchmarks (run.mjs on SQLite, postgres.mjs) share: a child process per
// adapter (worker.mjs), so each adapter's CPU time and RSS are its own; the adapters take turns
// on every measurement (in rotating order), so a noisy moment on the machine hits all of them
// alike; each measurement repeated `rounds` times, keeping the best.

import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * `options` go to every worker (with `part`, `adapter` and `db: dbFor(adapter)`): a database
 * file on SQLite, a URL on PostgreSQL.
 */
export function createTurns(options, dbFor) {
  const children = new Set()

  /** Forks a worker and returns `ask(task)`: sends a task (or none) and resolves with its next message. */
  function startWorker(part, adapter) {
    const worker = fileURLToPath(new URL('worker.mjs', import.meta.url))
    const child = fork(worker, [JSON.stringify({ ...options, part, adapter, db: dbFor(adapter) })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    let pending = null
    const next = () => new Promise((resolve, reject) => (pending = { resolve, reject }))
    child.on('message', (message) => {
      const waiter = pending
      pending = null
      if (message.type === 'error') waiter?.reject(new Error(`${adapter} (${part}) failed:\n${message.message}`))
      else waiter?.resolve(message)
    })
    child.on('exit', (code) => pending?.reject(new Error(`${adapter} (${part}) exited with code ${code}`)))
    children.add(child)
    child.on('exit', () => children.delete(child))
    const ready = next()
    return { ready, ask: (task) => { const reply = next(); child.send(task); return reply } }
  }

  /**
   * One phase: a worker per adapter (started one after another, so each seeds alone), then every
   * measurement for every round, the adapters taking turns (in rotating order) on each one.
   * A task may name the adapters it is for (`only`).
   */
  async function phase(part, names, tasks) {
    const workers = {}
    const out = {}
    for (const name of names) {
      console.error(`${name}: ${part === 'http' ? 'Auth() GET /session' : 'adapter methods'}`)
      workers[name] = startWorker(part, name)
      const { type, ...ready } = await workers[name].ready
      out[name] = { ...ready, runs: [] }
    }
    let turn = 0
    for (let round = 0; round < options.rounds; round++) {
      for (const task of tasks) {
        const order = task.only ?? names
        for (let i = 0; i < order.length; i++) {
          const name = order[(i + turn) % order.length]
          const { result } = await workers[name].ask({ type: 'measure', ...task, round })
          out[name].runs.push(result)
        }
        turn++
      }
    }
    for (const name of names) out[name].maxRssMB = (await workers[name].ask({ type: 'finish' })).maxRssMB
    for (const entry of Object.values(out)) entry.results = best(entry.runs)
    return out
  }

  /** Kills the workers still running (after an error). */
  function stop() {
    for (const child of children) child.kill()
  }

  return { phase, stop }
}

/** Per workload and concurrency, the round with the highest throughput. */
export function best(runs) {
  const groups = new Map()
  for (const r of runs) {
    const key = `${r.workload} c${r.concurrency}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  return [...groups.values()].map((g) => g.reduce((a, b) => (b.perSecond > a.perSecond ? b : a)))
}
