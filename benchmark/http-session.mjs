// GET /session through @auth/core's Auth() handler in-process (a Request in, a Response out, as a
// framework route hands it over), with database sessions on an adapter or with the JWT strategy.
// ~2,000 signed-in users; each request carries one user's session cookie. Two variants for the
// adapters: the default (a fresh session is only read: getSessionAndUser) and "+ updateSession"
// (`session.updateAge: 0`, so every request also extends the session). The JWT strategy calls
// no adapter: it decrypts the cookie and encrypts a new one on every request.

import { Auth } from '@auth/core'
import { encode } from '@auth/core/jwt'
import GitHub from '@auth/core/providers/github'

import { seedRow } from './data.mjs'
import { measure } from './workloads.mjs'

const ORIGIN = 'http://localhost:3000'
const SECRET = 'a-benchmark-secret-that-is-long-enough-0123456789'
const COOKIE = 'authjs.session-token'

export const HTTP_VARIANTS = [
  { name: 'GET /session', updateAge: undefined },
  { name: 'GET /session + updateSession', updateAge: 0 },
]

function check(condition, message) {
  if (!condition) throw new Error(`verification failed: ${message}`)
}

function authConfig(adapter, session, errors) {
  return {
    ...(adapter && { adapter }),
    providers: [GitHub({ clientId: 'benchmark', clientSecret: 'benchmark' })],
    secret: SECRET,
    trustHost: true,
    basePath: '/auth',
    session,
    logger: { error: (error) => errors.push(error), warn() {}, debug() {} },
  }
}

export async function prepareHttp(options, log) {
  const count = Math.min(options.users, options.httpUsers)
  const rows = Array.from({ length: count }, (_, i) => seedRow(i, options.expiresMs))
  const jwt = options.adapter === 'jwt'
  let adapter = null
  let close = () => {}
  let label = 'JWT strategy'
  let signedIn
  if (jwt) {
    const token = (user) => ({ name: user.name, email: user.email, picture: user.image, sub: user.id })
    signedIn = await Promise.all(rows.map(async ({ user }) => ({ user, cookie: await encode({ token: token(user), secret: SECRET, salt: COOKIE }) })))
  } else {
    const mod = await import(`./adapters/${options.adapter}.mjs`)
    ;({ adapter, close } = await mod.open(options.db))
    label = mod.label
    signedIn = rows.map(({ user, session }) => ({ user, cookie: session.sessionToken }))
  }
  const expiresOf = async (i) => (await adapter.getSessionAndUser(rows[i].session.sessionToken))?.session.expires.getTime()

  return {
    ready: { label },
    async measure({ workload: name, concurrency, round }) {
      const variant = HTTP_VARIANTS.find((v) => v.name === name)
      const errors = []
      const session = jwt ? { strategy: 'jwt' } : { strategy: 'database', ...(variant.updateAge !== undefined && { updateAge: variant.updateAge }) }
      const config = authConfig(adapter, session, errors)
      const touched = new Uint8Array(count)
      const sample = rows.map((_, i) => i).filter((i) => i % 97 === 0)
      const before = jwt ? [] : await Promise.all(sample.map(expiresOf))

      const result = await measure(async (k) => {
        const { user, cookie } = signedIn[k % count]
        touched[k % count] = 1
        const response = await Auth(new Request(`${ORIGIN}/auth/session`, { headers: { cookie: `${COOKIE}=${cookie}` } }), config)
        const body = await response.json()
        check(response.status === 200 && body?.user?.email === user.email, `GET /session returns ${user.email}, got ${response.status} ${JSON.stringify(body)} ${errors[0] ?? ''}`)
        check(response.headers.getSetCookie().some((c) => c.startsWith(`${COOKIE}=`)), 'the session cookie is set again')
      }, { concurrency, seconds: options.seconds, warmup: options.warmup })

      check(errors.length === 0, `Auth() logged ${errors[0]}`)
      // Without the extension a fresh session is only read; with it, every requested one is extended.
      if (!jwt) {
        const after = await Promise.all(sample.map(expiresOf))
        sample.forEach((i, j) => {
          check(after[j] !== undefined, 'the session still exists')
          if (!touched[i]) return
          if (variant.updateAge === 0) check(after[j] > before[j], 'updateSession extended the session')
          else check(after[j] === before[j], 'a fresh session is not rewritten')
        })
      }
      log(`${name.padEnd(30)} c${String(concurrency).padEnd(3)} ${result.perSecond.toLocaleString('en-US').padStart(9)} requests/s`)
      return { workload: name, concurrency, round, unit: 'requests', ...result }
    },
    finish: () => close(),
  }
}
