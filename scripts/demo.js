'use strict'

// `npm run demo`: the Next.js example (examples/nextjs) on http://localhost:3000, using the
// addon built from this checkout: build it if needed, pack the tarballs, install them into the
// example, `next build`, `next start`. Sign in with any email: the magic link is printed here.

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
example
  .start(example.example, { port, onLog: (chunk) => process.stdout.write(chunk) })
  .then(({ url }) => {
    console.log(`\nauthlite demo: ${url}`)
    console.log('Open it, enter any email and press the button; the magic link appears in this log.')
    console.log(`Data is in ${join(example.example, 'auth.db')}. Ctrl-C stops the server.\n`)
  })
  .catch((err) => {
    console.error(err.message)
    process.exit(1)
  })
