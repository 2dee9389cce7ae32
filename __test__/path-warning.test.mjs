// A database path inside a build's output directory (Next.js standalone's server.js runs in
// .next/standalone) gets one AUTHLITE_PATH_IN_BUILD_OUTPUT warning per path and process, naming
// the resolved path and the AUTH_DB_PATH pattern; other paths get none.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'authlite-paths-'))
after(() => rmSync(work, { recursive: true, force: true }))

/** Runs `script` (CommonJS, `authlite` in scope) in `cwd`; returns its stderr. */
function stderrOf(script, cwd) {
  mkdirSync(cwd, { recursive: true })
  const code = `const authlite = require(${JSON.stringify(join(root, 'index.js'))});\n${script}\nprocess.stderr.write('done\\n')`
  return spawnSync(process.execPath, ['-e', code], { cwd, encoding: 'utf8' }).stderr
}

const warnings = (stderr) => stderr.match(/\[AUTHLITE_PATH_IN_BUILD_OUTPUT\]/g) ?? []

test('a relative path inside .next/standalone warns once, naming the resolved path and the fix', () => {
  const standalone = join(work, 'app', '.next', 'standalone')
  const stderr = stderrOf(
    `authlite.SqliteAdapter({ path: './auth.db' }); authlite.openAuthDatabase('./auth.db'); authlite.SqliteAdapter()`,
    standalone,
  )
  assert.equal(warnings(stderr).length, 1, stderr)
  assert.ok(
    stderr.includes(
      `the database path "./auth.db", relative to the working directory ${standalone}, resolves to ${join(standalone, 'auth.db')}, inside ${join(work, 'app', '.next')}, a Next.js build output directory`,
    ),
    stderr,
  )
  assert.match(stderr, /process\.env\.AUTH_DB_PATH \?\? "\.\/auth\.db"/)
  assert.match(stderr, /AUTH_DB_PATH=\/var\/lib\/<app>\/auth\.db/)
})

test('the default path and an absolute path inside a build output warn too; one warning per path', () => {
  const output = join(work, 'site', '.output', 'server')
  const stderr = stderrOf(`authlite.openAuthDatabase(); authlite.openAuthDatabase(${JSON.stringify(join(output, 'other.db'))})`, output)
  assert.equal(warnings(stderr).length, 2, stderr)
  assert.match(stderr, /the database path "\.\/auth\.db", relative to/)
  assert.ok(stderr.includes(`the database path "${join(output, 'other.db')}" is inside ${join(work, 'site', '.output')},`), stderr)
  assert.match(stderr, /a Nitro \(Nuxt, SolidStart\) build output directory/)
})

test('paths outside build output, and :memory:, warn nothing', () => {
  const project = join(work, 'project')
  const stderr = stderrOf(
    `authlite.SqliteAdapter('./auth.db'); authlite.SqliteAdapter(':memory:'); authlite.openAuthDatabase(${JSON.stringify(join(work, 'data', 'x.db').replace('x.db', '../project/y.db'))})`,
    project,
  )
  assert.deepEqual(warnings(stderr), [], stderr)
  assert.match(stderr, /^done$/m)
})

test('bad options still fail with the native error, not in the warning code', () => {
  const stderr = stderrOf(`authlite.SqliteAdapter({ path: 42 })`, join(work, 'bad', '.next'))
  assert.deepEqual(warnings(stderr), [])
  assert.match(stderr, /authlite: open: options\.path must be a string, got a number/)
})
