// A child process for one adapter (run.mjs forks one per adapter and part, so each adapter's CPU
// time and RSS are its own and no two SQLite libraries share a process). It prepares, says
// "ready", then runs the measurements the parent asks for, one at a time, over IPC: the parent
// interleaves the adapters so that a noisy moment on the machine hits all of them alike.
//
// part "methods": create the schema with the adapter's own library, bulk-seed in a child
// (seed.mjs), check the seeded rows through the adapter, then time workloads (workloads.mjs).
// `db` is a database file on SQLite, a URL on PostgreSQL (postgres.mjs), where `serverPid`, the
// postmaster's pid, has the server's CPU time measured too (server-cpu.mjs).
// part "http": GET /session through @auth/core's Auth() (http-session.mjs).

import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { PROVIDER, pickRows } from './data.mjs'
import { treeCpuUs } from './server-cpu.mjs'
import { WORKLOADS, measure } from './workloads.mjs'

const options = JSON.parse(process.argv[2])
const { adapter: adapterName, db: path, users, expiresMs, seconds, warmup, serverPid } = options
const log = (message) => process.stderr.write(`  [${adapterName}] ${message}\n`)
const maxRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024)

function normalize({ user, accountUser, session }) {
  const u = (x) => x && { id: x.id, name: x.name, email: x.email, emailVerified: x.emailVerified?.getTime() ?? null, image: x.image ?? null }
  return { user: u(user), accountUser: u(accountUser), session: session && { sessionToken: session.sessionToken, userId: session.userId, expires: session.expires?.getTime() } }
}

/** Reads sampled seeded rows through the adapter and compares them with what was seeded. */
async function checkSeed({ getUserByEmail, getUserByAccount, getSessionAndUser }) {
  for (const row of pickRows(users, 100, expiresMs, 99)) {
    const found = await getSessionAndUser(row.session.sessionToken)
    const got = normalize({
      user: await getUserByEmail(row.user.email),
      accountUser: await getUserByAccount({ provider: PROVIDER, providerAccountId: row.account.providerAccountId }),
      session: found?.session,
    })
    const want = normalize({ user: row.user, accountUser: row.user, session: row.session })
    if (JSON.stringify(got) !== JSON.stringify(want) || JSON.stringify(normalize(found).user) !== JSON.stringify(want.user)) {
      throw new Error(`seeded data read back wrong:\n got  ${JSON.stringify(got)}\n want ${JSON.stringify(want)}`)
    }
  }
}

async function methods() {
  const mod = await import(`./adapters/${adapterName}.mjs`)
  await mod.createSchema(path)
  const start = performance.now()
  const seed = fileURLToPath(new URL('seed.mjs', import.meta.url))
  const counts = JSON.parse(execFileSync(process.execPath, [seed, adapterName, path, String(users), String(expiresMs)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }))
  const bulkSeedSeconds = +((performance.now() - start) / 1000).toFixed(2)
  log(`bulk-seeded ${users.toLocaleString('en-US')} users in ${bulkSeedSeconds} s`)

  const { adapter, close } = await mod.open(path)
  await checkSeed(adapter)
  const pool = pickRows(users, Math.min(users, 20_000), expiresMs)
  const sessionExpires = () => new Date(Date.now() + 30 * 86_400_000)
  return {
    ready: { label: mod.label, counts, bulkSeedSeconds },
    async measure({ workload: name, concurrency, round }) {
      const workload = WORKLOADS.find((w) => w.name === name)
      const tag = `${name.replace(/\W+/g, '-')}-c${concurrency}-r${round}`
      const run = workload.make(adapter, { pool, tag, sessionExpires })
      const serverCpuUs = serverPid ? () => treeCpuUs(serverPid) : undefined
      const result = await measure(run.op, { concurrency, seconds, warmup, serverCpuUs })
      await run.verify()
      log(`${name.padEnd(30)} c${String(concurrency).padEnd(3)} ${result.perSecond.toLocaleString('en-US').padStart(9)} ${workload.unit}/s`)
      return { workload: name, concurrency, round, unit: workload.unit, ...result }
    },
    finish: () => close(),
  }
}

async function http() {
  const { prepareHttp } = await import('./http-session.mjs')
  return prepareHttp(options, log)
}

try {
  const part = options.part === 'http' ? await http() : await methods()
  process.send({ type: 'ready', ...part.ready })
  process.on('message', async (task) => {
    try {
      if (task.type === 'finish') {
        await part.finish()
        process.send({ type: 'finished', maxRssMB: maxRssMB() }, () => process.exit(0))
      } else {
        process.send({ type: 'result', result: await part.measure(task) })
      }
    } catch (error) {
      process.send({ type: 'error', message: error.stack }, () => process.exit(1))
    }
  })
} catch (error) {
  process.send({ type: 'error', message: error.stack }, () => process.exit(1))
}
