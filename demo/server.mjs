// The authlite demo: a small Auth.js app on localhost with email sign-in and database sessions
// stored in ./demo.db. The magic link is printed here instead of being mailed.
//
//   npm run demo            then open the URL it prints
//   PORT=4000 npm run demo  another port (PORT=0 picks a free one)

import { createServer } from 'node:http'
import { Readable } from 'node:stream'

import { Auth } from '@auth/core'

import { SqliteAdapter } from '../index.mjs'

const DB_PATH = process.env.DEMO_DB ?? './demo.db'
const BASE_PATH = '/auth'

const authConfig = {
  adapter: SqliteAdapter({ path: DB_PATH }),
  session: { strategy: 'database' },
  basePath: BASE_PATH,
  trustHost: true,
  // A fixed secret is fine for a local demo; a real app sets AUTH_SECRET (`npx auth secret`).
  secret: process.env.AUTH_SECRET ?? 'authlite-demo-secret-do-not-use-in-production',
  providers: [
    {
      id: 'email',
      type: 'email',
      name: 'Email',
      from: 'demo@localhost',
      maxAge: 24 * 60 * 60,
      async sendVerificationRequest({ identifier, url }) {
        console.log(`\nMagic link for ${identifier} (open it in the same browser):\n  ${url}\n`)
      },
    },
  ],
}

/** node:http request -> Fetch API Request, for Auth(). */
function toRequest(req, origin) {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    for (const v of [value].flat()) if (v !== undefined) headers.append(name, v)
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  return new Request(new URL(req.url, origin), {
    method: req.method,
    headers,
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: 'half',
  })
}

/** Fetch API Response -> node:http response. */
async function send(res, response) {
  res.statusCode = response.status
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value)
  const cookies = response.headers.getSetCookie()
  if (cookies.length) res.setHeader('set-cookie', cookies)
  res.end(Buffer.from(await response.arrayBuffer()))
}

/** The signed-in session for this request, or null (asks Auth.js, like `auth()` in Next.js). */
async function sessionOf(req, origin) {
  const request = new Request(new URL(`${BASE_PATH}/session`, origin), { headers: { cookie: req.headers.cookie ?? '' } })
  const response = await Auth(request, authConfig)
  return response.json()
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function page(title, body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}button,a.button{font:inherit;padding:.4rem .9rem}</style>
</head><body><h1>${title}</h1>${body}</body></html>`
}

async function home(req, origin) {
  const session = await sessionOf(req, origin)
  if (!session) {
    return page('authlite demo', `<p>You are signed out.</p>
<p><a class="button" href="${BASE_PATH}/signin?callbackUrl=/protected">Sign in with email</a></p>
<p>The magic link appears in the terminal running <code>npm run demo</code>.</p>`)
  }
  return page('authlite demo', `<p>Signed in as <strong>${escape(session.user.email)}</strong>.</p>
<p><a href="/protected">Protected page</a></p>
<p><a class="button" href="${BASE_PATH}/signout">Sign out</a></p>`)
}

async function handle(req, res, origin) {
  const { pathname } = new URL(req.url, origin)
  if (pathname === BASE_PATH || pathname.startsWith(`${BASE_PATH}/`)) {
    return send(res, await Auth(toRequest(req, origin), authConfig))
  }
  if (pathname === '/protected') {
    const session = await sessionOf(req, origin)
    if (!session) {
      res.writeHead(302, { location: `${BASE_PATH}/signin?callbackUrl=/protected` })
      return res.end()
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    return res.end(page('Protected page', `<p>Only signed-in users see this. You are <strong>${escape(session.user.email)}</strong> (user id <code>${escape(session.user.id ?? '')}</code>).</p>
<p>Session expires ${escape(session.expires)}.</p><p><a href="/">Home</a> · <a href="${BASE_PATH}/signout">Sign out</a></p>`))
  }
  if (pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    return res.end(await home(req, origin))
  }
  res.writeHead(404, { 'content-type': 'text/plain' })
  res.end('Not found')
}

const server = createServer((req, res) => {
  const origin = `http://${req.headers.host ?? 'localhost'}`
  handle(req, res, origin).catch((err) => {
    console.error(err)
    res.statusCode = 500
    res.end('Internal error')
  })
})

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address()
  console.log(`authlite demo: http://localhost:${port}  (database: ${DB_PATH})`)
  console.log('Open it, choose "Sign in with email", and follow the magic link printed here.')
})
