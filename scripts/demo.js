'use strict'

// `npm run demo`: the Next.js example (examples/nextjs) on http://localhost:3000, using the
// addon built from this checkout: build it if needed, pack the tarballs, install them into the
// example, `next build`, `next start`. Sign in with any email: the magic link is printed here.
// The URL is the last line printed at startup, and the server listens on that name.

const { execFileSync } = require('node:child_process')
const { join } = require('node:path')

const example = require('./nextjs-example')
const { pack } = require('./pack')

const root = join(__dirname, '..')
execFileSync(process.execPath, [join(__dirname, 'build-if-needed.js')], { cwd: root, stdio: 'inherit' })
pack(join(root, 'dist'))
example.install(example.example)
example.build(example.example)

const port = Number(process.env.PORT ?? 3000)
let lastLog = Date.now()
/** Resolves once the server has logged nothing for a moment (Next logs a line after "Ready"). */
const quiet = async () => {
  for (const start = Date.now(); Date.now() - lastLog < 300 && Date.now() - start < 3000; ) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
example
  .start(example.example, {
    port,
    onLog: (chunk) => {
      lastLog = Date.now()
      process.stdout.write(chunk)
    },
  })
  .then(async ({ url }) => {
    await quiet()
    console.log('\nSign in with any email: no mail is sent, the sign-in link is printed here.')
    console.log('Then add a passkey on the dashboard, sign out, and sign back in with it.')
    console.log(`Data is in ${join(example.example, 'auth.db')}. Ctrl-C stops the server.`)
    console.log(`\nauthlite demo: ${url}`)
  })
  .catch((err) => {
    console.error(err.message)
    process.exit(1)
  })
