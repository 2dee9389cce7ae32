// The adapter workloads and the harness that times them. Every method is taken off the adapter
// object and awaited unbound, as @auth/core calls it. Each step checks what it got back, and
// after the timed run `verify()` checks the database through the adapter (sampled sessions exist
// or are gone, a token works exactly once), so an adapter that skips work cannot look fast.

import { randomBytes, randomUUID } from 'node:crypto'

import { PROVIDER } from './data.mjs'

const DAY = 86_400_000

function check(condition, message) {
  if (!condition) throw new Error(`verification failed: ${message}`)
}

const sameUser = (user, expected, what) => {
  check(user && user.id === expected.id && user.email === expected.email, `${what}: expected user ${expected.email}, got ${JSON.stringify(user)}`)
}

/**
 * Latencies in a log histogram (1% buckets from 0.1 µs), so recording costs no memory that
 * would show up in the RSS being measured.
 */
class Histogram {
  constructor() {
    this.counts = new Float64Array(2400)
    this.total = 0
  }
  record(ms) {
    const us = Math.max(ms * 1000, 0.1)
    this.counts[Math.min(this.counts.length - 1, Math.floor(Math.log(us * 10) / Math.log(1.01)))]++
    this.total++
  }
  quantileMs(q) {
    let seen = 0
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b]
      if (seen >= q * this.total) return (1.01 ** (b + 0.5)) / 10 / 1000
    }
    return NaN
  }
}

/** Runs `op(k)` from `concurrency` callers, each awaiting in sequence, for `seconds`. */
async function drive(op, concurrency, seconds, histogram, counter) {
  const end = performance.now() + seconds * 1000
  let done = 0
  async function caller() {
    while (performance.now() < end) {
      const k = counter.next++
      const start = performance.now()
      await op(k)
      histogram?.record(performance.now() - start)
      done++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, caller))
  return done
}

let cold = true

/**
 * Warms up (1 s more the first time in a process, for the JIT), then times `op`: ops/s, CPU per
 * op (all threads of this process), how often per op a thread of this process went to sleep
 * (voluntary context switches), p50/p99, peak RSS. With `serverCpuUs` (a function returning a
 * database server's CPU time so far, in µs), also the server's CPU time per op.
 */
export async function measure(op, { concurrency, seconds, warmup, serverCpuUs }) {
  const counter = { next: 0 }
  await drive(op, concurrency, warmup + (cold ? 1 : 0), null, counter)
  cold = false
  const histogram = new Histogram()
  const server = serverCpuUs?.()
  const switches = process.resourceUsage().voluntaryContextSwitches
  const cpu = process.cpuUsage()
  const start = performance.now()
  const ops = await drive(op, concurrency, seconds, histogram, counter)
  const elapsed = (performance.now() - start) / 1000
  const used = process.cpuUsage(cpu)
  const switched = process.resourceUsage().voluntaryContextSwitches - switches
  const serverUsed = serverCpuUs ? serverCpuUs() - server : undefined
  return {
    ops,
    seconds: +elapsed.toFixed(3),
    perSecond: Math.round(ops / elapsed),
    cpuUsPerOp: +((used.user + used.system) / ops).toFixed(2),
    cpuUtilization: +((used.user + used.system) / 1e6 / elapsed).toFixed(2),
    waitsPerOp: +(switched / ops).toFixed(2),
    p50Ms: +histogram.quantileMs(0.5).toFixed(4),
    p99Ms: +histogram.quantileMs(0.99).toFixed(4),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(serverCpuUs && { serverCpuUsPerOp: +(serverUsed / ops).toFixed(2) }),
  }
}

/**
 * The workloads. Each `make(adapter, ctx)` returns `{ op(k), verify() }`; ctx has `pool` (seeded
 * rows picked at random), `tag` (unique per run, for fresh keys) and `sessionExpires`.
 */
export const WORKLOADS = [
  {
    name: 'getSessionAndUser',
    unit: 'calls',
    make({ getSessionAndUser }, { pool }) {
      return {
        async op(k) {
          const { session, user } = pool[k % pool.length]
          const found = await getSessionAndUser(session.sessionToken)
          sameUser(found?.user, user, 'getSessionAndUser')
          check(found.session.userId === user.id && found.session.expires instanceof Date, 'getSessionAndUser: session')
        },
        async verify() {
          check((await getSessionAndUser(randomUUID())) === null, 'getSessionAndUser(unknown token) is null')
        },
      }
    },
  },
  {
    name: 'session churn',
    detail: 'createSession + deleteSession',
    unit: 'flows',
    make({ createSession, deleteSession, getSessionAndUser }, { pool, sessionExpires }) {
      const sample = []
      return {
        async op(k) {
          const { user } = pool[k % pool.length]
          const sessionToken = randomUUID()
          const created = await createSession({ sessionToken, userId: user.id, expires: sessionExpires() })
          check(created?.sessionToken === sessionToken && created.userId === user.id, 'createSession returns the session')
          await deleteSession(sessionToken)
          if (k % 101 === 0) sample.push({ sessionToken, user })
        },
        async verify() {
          for (const { sessionToken } of sample.slice(-200)) check((await getSessionAndUser(sessionToken)) === null, 'deleted session is gone')
          for (const { user } of pool.slice(0, 20)) {
            const sessionToken = randomUUID()
            await createSession({ sessionToken, userId: user.id, expires: sessionExpires() })
            sameUser((await getSessionAndUser(sessionToken))?.user, user, 'created session is found')
            await deleteSession(sessionToken)
            check((await getSessionAndUser(sessionToken)) === null, 'deleteSession deletes')
          }
        },
      }
    },
  },
  {
    name: 'email sign-in',
    detail: 'createVerificationToken, useVerificationToken, getUserByEmail, createSession',
    unit: 'flows',
    make({ createVerificationToken, useVerificationToken, getUserByEmail, createSession, getSessionAndUser }, { pool, sessionExpires }) {
      const sample = []
      return {
        async op(k) {
          const { user } = pool[k % pool.length]
          const token = randomBytes(32).toString('hex') // Auth.js stores a SHA-256 hex of the link's token
          const expires = new Date(Date.now() + DAY)
          const created = await createVerificationToken({ identifier: user.email, token, expires })
          check(created?.token === token, 'createVerificationToken returns the token')
          const used = await useVerificationToken({ identifier: user.email, token })
          check(used?.token === token && used.identifier === user.email && used.expires.getTime() === expires.getTime(), 'useVerificationToken returns the token')
          const found = await getUserByEmail(user.email)
          sameUser(found, user, 'getUserByEmail')
          const sessionToken = randomUUID()
          const session = await createSession({ sessionToken, userId: found.id, expires: sessionExpires() })
          check(session?.sessionToken === sessionToken, 'createSession returns the session')
          if (k % 101 === 0) sample.push({ user, token, sessionToken })
        },
        async verify() {
          for (const { user, token, sessionToken } of sample.slice(-200)) {
            check((await useVerificationToken({ identifier: user.email, token })) === null, 'a used token cannot be used again')
            sameUser((await getSessionAndUser(sessionToken))?.user, user, 'the new session is found')
          }
          check((await getUserByEmail(`nobody-${randomUUID()}@example.com`)) === null, 'getUserByEmail(unknown) is null')
        },
      }
    },
  },
  ...['OAuth sign-up', 'seeding'].map((name) => ({
    name,
    detail: name === 'seeding' ? 'createUser + linkAccount + createSession' : 'getUserByAccount (miss), createUser, linkAccount, createSession',
    unit: 'flows',
    make({ getUserByAccount, createUser, linkAccount, createSession, getSessionAndUser }, { tag, sessionExpires }) {
      const sample = []
      const lookUp = name === 'OAuth sign-up'
      return {
        async op(k) {
          const providerAccountId = `${tag}-${k}`
          if (lookUp) check((await getUserByAccount({ provider: PROVIDER, providerAccountId })) === null, 'getUserByAccount misses a new account')
          const profile = { id: randomUUID(), name: `New ${k}`, email: `${providerAccountId}@example.com`, image: `https://avatars.example.com/n/${k}.png` }
          const user = await createUser({ ...profile, emailVerified: null })
          check(user?.id && user.email === profile.email, 'createUser returns the user')
          await linkAccount({
            userId: user.id, type: 'oauth', provider: PROVIDER, providerAccountId,
            access_token: `gho_${k}`, token_type: 'bearer', scope: 'read:user,user:email',
          })
          const sessionToken = randomUUID()
          const session = await createSession({ sessionToken, userId: user.id, expires: sessionExpires() })
          check(session?.sessionToken === sessionToken, 'createSession returns the session')
          if (k % 101 === 0) sample.push({ user, providerAccountId, sessionToken })
        },
        async verify() {
          check(sample.length > 0, 'ran')
          for (const { user, providerAccountId, sessionToken } of sample.slice(-200)) {
            sameUser(await getUserByAccount({ provider: PROVIDER, providerAccountId }), user, 'getUserByAccount finds the linked user')
            sameUser((await getSessionAndUser(sessionToken))?.user, user, 'the new session is found')
          }
        },
      }
    },
  })),
]
