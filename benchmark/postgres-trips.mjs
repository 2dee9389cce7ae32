// Round trips and statements per flow, per adapter: each workload run by one caller (c1),
// `flows` times after a warm-up of `warmup` flows (so connections are open and statements that
// a client prepares are prepared), through a proxy that counts the wire protocol
// (pg-wire-count.mjs). In the calling process, after the timed runs, on the same databases.

import { pickRows } from './data.mjs'
import { startWireCounter } from './pg-wire-count.mjs'
import { WORKLOADS } from './workloads.mjs'

/**
 * `urls`: each adapter's database; `port`: the server's. Resolves to
 * `{ [adapter]: { [workload]: { roundTrips, syncs, statements, parses } } }`, per flow.
 */
export async function countRoundTrips({ adapters, urls, port, workloads, users, expiresMs, flows = 200, warmup = 50 }) {
  const counter = await startWireCounter(port)
  const out = {}
  const sessionExpires = () => new Date(Date.now() + 30 * 86_400_000)
  try {
    for (const name of adapters) {
      const mod = await import(`./adapters/${name}.mjs`)
      const url = new URL(urls[name])
      url.port = String(counter.port)
      const { adapter, close } = await mod.open(url.href)
      out[name] = {}
      try {
        const pool = pickRows(users, Math.min(users, 20_000), expiresMs, 11)
        for (const workload of WORKLOADS.filter((w) => workloads.includes(w.name))) {
          const run = workload.make(adapter, { pool, tag: `trips-${workload.name.replace(/\W+/g, '-')}`, sessionExpires })
          let k = 0
          while (k < warmup) await run.op(k++)
          counter.reset()
          while (k < warmup + flows) await run.op(k++)
          const counts = counter.read()
          await run.verify()
          out[name][workload.name] = Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, +(n / flows).toFixed(2)]))
        }
      } finally {
        await close()
      }
    }
  } finally {
    await counter.close()
  }
  return out
}
