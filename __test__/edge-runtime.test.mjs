// authlite on an Edge or worker runtime: bundlers that resolve the `edge-light`, `workerd` or
// `worker` conditions get edge.js, which imports without error, has the same exports, and makes
// every call reject with AUTHLITE_EDGE_RUNTIME and the fix. Node.js keeps the native package
// whatever extra conditions it runs with.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import vm from 'node:vm'

import * as edgeEsm from '../edge.mjs'
import { ADAPTER_METHODS, unbound } from './helpers.mjs'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('..', import.meta.url))
const edge = require('../edge.js')
const native = require('../index.js')

/** Evaluates edge.js in a fresh context with the given globals, as an Edge bundle would run it. */
function edgeIn(globals) {
  const module = { exports: {} }
  const context = vm.createContext({ ...globals })
  vm.runInContext(`(function (module, exports) {${readFileSync(join(root, 'edge.js'), 'utf8')}\n})`, context)(module, module.exports)
  return module.exports
}

async function rejection(promise) {
  try {
    await promise
  } catch (err) {
    return err
  }
  assert.fail('expected a rejection')
}

describe('the edge build', () => {
  test('has the exports of the Node.js build, in CommonJS and ESM', () => {
    assert.deepEqual(Object.keys(edge).sort(), Object.keys(native).sort())
    assert.deepEqual(Object.keys(edgeEsm).filter((k) => k !== 'default').sort(), Object.keys(native).sort())
    assert.equal(edgeEsm.SqliteAdapter, edge.SqliteAdapter)
  })

  test('SqliteAdapter returns the 19 methods, each rejecting unbound with AUTHLITE_EDGE_RUNTIME and the fix', async () => {
    const adapter = edge.SqliteAdapter({ path: './auth.db' })
    assert.deepEqual(Object.keys(adapter).sort(), [...ADAPTER_METHODS].sort())
    const methods = unbound(adapter)
    for (const name of ADAPTER_METHODS) {
      const result = methods[name]('x')
      assert.ok(result instanceof Promise, `${name} returns a promise`)
      const err = await rejection(result)
      assert.equal(err.code, 'AUTHLITE_EDGE_RUNTIME', name)
      assert.ok(err.message.startsWith(`authlite: ${name}: called on `), err.message)
      assert.match(err.message, /rename middleware\.ts to proxy\.ts/)
      assert.match(err.message, /export \{ auth as proxy \} from "\.\/auth"/)
      assert.match(err.message, /export const config = \{ runtime: "nodejs" \}/)
      assert.match(err.message, /split config/)
      assert.ok(err.message.endsWith('(AUTHLITE_EDGE_RUNTIME)'), 'the code is in the message, which is what Auth.js logs')
    }
  })

  test('the message names the runtime it ran on', async () => {
    const messageIn = async (globals) => (await rejection(edgeIn(globals).SqliteAdapter().getSessionAndUser('t'))).message
    assert.match(
      await messageIn({ EdgeRuntime: 'edge-runtime', process: { env: { NEXT_RUNTIME: 'edge' } } }),
      /called on the Edge runtime of Next\.js \(a middleware\.ts, or a route or page with `export const runtime = "edge"`\)/,
    )
    assert.match(await messageIn({ EdgeRuntime: 'vercel' }), /called on an Edge runtime \(vercel\)/)
    assert.match(await messageIn({ navigator: { userAgent: 'Cloudflare-Workers' } }), /called on Cloudflare Workers/)
    assert.match(await messageIn({}), /called on a worker runtime without Node\.js native addons/)
  })

  test('openAuthDatabase returns a handle that SqliteAdapter takes; its calls fail the same way', async () => {
    const db = edge.openAuthDatabase({ path: './auth.db' })
    assert.ok(db instanceof edge.AuthDatabase)
    assert.equal(db.closed, false)
    assert.equal(Object.keys(edge.SqliteAdapter(db)).length, 19)
    assert.throws(() => db.getUser('u'), { code: 'AUTHLITE_EDGE_RUNTIME', message: /^authlite: getUser: / })
    assert.equal((await rejection(db.deleteExpired())).code, 'AUTHLITE_EDGE_RUNTIME')
    assert.equal((await rejection(db.createUser({ email: 'a@example.com' }))).code, 'AUTHLITE_EDGE_RUNTIME')
    db.close()
  })

  test('PostgresAdapter and openAuthDatabase({ url }) fail the same way (no native addon, no PostgreSQL client here)', async () => {
    const adapter = edge.PostgresAdapter({ url: 'postgres://app@db/app' })
    assert.deepEqual(Object.keys(adapter).sort(), [...ADAPTER_METHODS].sort())
    const err = await rejection(unbound(adapter).getSessionAndUser('t'))
    assert.equal(err.code, 'AUTHLITE_EDGE_RUNTIME')
    assert.match(err.message, /^authlite: getSessionAndUser: called on .*where the database cannot be opened/)
    const db = edge.openAuthDatabase({ url: 'postgres://app@db/app' })
    assert.ok(db instanceof edge.PostgresDatabase)
    for (const call of [() => db.ready(), () => db.getUser('u'), () => db.copyFromSqlite('./auth.db')]) {
      assert.equal((await rejection(call())).code, 'AUTHLITE_EDGE_RUNTIME')
    }
    assert.equal(Object.keys(edge.PostgresAdapter(db)).length, 19)
    db.close()
  })

  test('it requires nothing, so any bundler can inline it', () => {
    assert.doesNotMatch(readFileSync(join(root, 'edge.js'), 'utf8'), /\brequire\(/)
    assert.doesNotMatch(readFileSync(join(root, 'edge.mjs'), 'utf8'), /from '(?!\.\/edge\.js')/)
  })
})

describe('package exports by condition', () => {
  // The package resolves itself by name from its own directory, through package.json `exports`.
  // Which build loaded shows in behaviour: the native getUser resolves null, the edge one rejects.
  const buildWith = (conditions, kind) => {
    const load = kind === 'import' ? "import('authlite')" : "Promise.resolve(require('authlite'))"
    const script = `${load}.then((m) => m.SqliteAdapter(':memory:').getUser('nobody')).then(() => console.log('native'), (e) => console.log(e.code))`
    const flags = conditions.flatMap((c) => ['-C', c])
    return execFileSync(process.execPath, [...flags, '-e', script], { cwd: root, encoding: 'utf8' }).trim()
  }

  for (const kind of ['import', 'require']) {
    test(`${kind}: edge-light gets the edge build; Node.js with worker or workerd keeps the native one`, () => {
      assert.equal(buildWith([], kind), 'native')
      assert.equal(buildWith(['edge-light'], kind), 'AUTHLITE_EDGE_RUNTIME')
      // Node.js always matches "node", which stands before "worker" and "workerd": a Node.js
      // process started with those conditions can load the addon, and gets it.
      assert.equal(buildWith(['worker'], kind), 'native')
      assert.equal(buildWith(['workerd'], kind), 'native')
    })
  }

  test('a bundler for workers (its conditions without "node") gets the edge build', () => {
    const exportsMap = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports['.']
    // As bundlers resolve it: the first key, in order, that is an active condition wins.
    const resolve = (target, active) => {
      if (typeof target === 'string') return target
      for (const [key, value] of Object.entries(target)) {
        if (key !== 'types' && (active.includes(key) || key === 'default')) return resolve(value, active)
      }
    }
    assert.equal(resolve(exportsMap, ['workerd', 'worker', 'browser', 'import']), './edge.mjs')
    assert.equal(resolve(exportsMap, ['worker', 'browser', 'require']), './edge.js')
    assert.equal(resolve(exportsMap, ['edge-light', 'worker', 'browser', 'import']), './edge.mjs')
    assert.equal(resolve(exportsMap, ['edge-light', 'browser']), './edge.js')
    assert.equal(resolve(exportsMap, ['node', 'import']), './index.mjs')
    assert.equal(resolve(exportsMap, ['node', 'require']), './index.js')
  })
})
