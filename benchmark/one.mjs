// Quick single-workload runner for profiling (not part of npm run bench):
//   node benchmark/one.mjs <adapter> <workload> <concurrency> <seconds> [users]
// Seeds a fresh database in $TMPDIR/authlite-one-<adapter>.db, then runs the workload once.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { pickRows } from './data.mjs'
import { WORKLOADS, measure } from './workloads.mjs'

const [adapterName, workloadName, concurrency = '1', seconds = '3', users = '10000'] = process.argv.slice(2)
const path = join(tmpdir(), `authlite-one-${adapterName}.db`)
const template = join(tmpdir(), `authlite-one-${adapterName}-${users}.template.db`)
for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true })
const mod = await import(`./adapters/${adapterName}.mjs`)
const expiresMs = Date.UTC(2100, 0, 1)
if (!existsSync(template)) {
  await mod.createSchema(template)
  execFileSync(process.execPath, [fileURLToPath(new URL('seed.mjs', import.meta.url)), adapterName, template, users, String(expiresMs)], { stdio: ['ignore', 'ignore', 'inherit'] })
}
copyFileSync(template, path)
const { adapter, close } = await mod.open(path)
const pool = pickRows(Number(users), Math.min(Number(users), 20_000), expiresMs)
const workload = WORKLOADS.find((w) => w.name === workloadName)
const run = workload.make(adapter, { pool, tag: `one-${Date.now()}`, sessionExpires: () => new Date(Date.now() + 30 * 86_400_000) })
const cpu0 = process.cpuUsage()
const r = await measure(run.op, { concurrency: Number(concurrency), seconds: Number(seconds), warmup: 0.3 })
const cpu = process.cpuUsage(cpu0)
await run.verify()
console.log(`${adapterName} ${workloadName} c${concurrency}: ${r.perSecond}/s cpu ${r.cpuUsPerOp} us/op (user ${(100 * cpu.user / (cpu.user + cpu.system)).toFixed(0)}%) p50 ${r.p50Ms} p99 ${r.p99Ms}`)
await close()
