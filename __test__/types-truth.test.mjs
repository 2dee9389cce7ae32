// The declarations tell the truth: for every adapter method that can find nothing, what
// index.d.ts declares (`| null`, `| undefined`, an array) is what it resolves to at run time, and
// the native handle's declarations (binding.d.ts) likewise. The declarations are read from the
// files themselves, so a change to either side that breaks the match fails here. On each backend
// (PostgresAdapter returns the same SqliteAdapterMethods; PostgresDatabase has its own class).

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

import { forEachBackend, freshAdapter, freshLocation } from './helpers.mjs'

const { openAuthDatabase } = await import('../index.mjs')
const read = (file) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')

/** `{ method: 'null' | 'undefined' | 'array' | 'value' }` from an interface's method lines. */
function declaredAbsence(source, interfaceStart) {
  const body = source.slice(source.indexOf(interfaceStart))
  const block = body.slice(0, body.indexOf('\n}'))
  const out = {}
  for (const [, name, result] of block.matchAll(/^\s+(\w+)\(.*\): (?:Promise<)?(.+?)>?$/gm)) {
    out[name] = result.endsWith('[]') ? 'array' : /\| null$/.test(result) ? 'null' : /\| undefined$/.test(result) ? 'undefined' : 'value'
  }
  return out
}

const kind = (value) => (value === null ? 'null' : value === undefined ? 'undefined' : Array.isArray(value) ? 'array' : 'value')

// Each method called for something that does not exist (methods that always return a value
// are called for something that does).
const absentCalls = {
  getUser: (a) => a.getUser('nobody'),
  getUserByEmail: (a) => a.getUserByEmail('nobody@example.com'),
  getUserByAccount: (a) => a.getUserByAccount({ provider: 'github', providerAccountId: 'none' }),
  deleteUser: (a) => a.deleteUser('nobody'),
  unlinkAccount: (a) => a.unlinkAccount({ provider: 'github', providerAccountId: 'none' }),
  getSessionAndUser: (a) => a.getSessionAndUser('no-token'),
  updateSession: (a) => a.updateSession({ sessionToken: 'no-token', expires: new Date() }),
  deleteSession: (a) => a.deleteSession('no-token'),
  useVerificationToken: (a) => a.useVerificationToken({ identifier: 'x@example.com', token: 'none' }),
  getAccount: (a) => a.getAccount('none', 'github'),
  getAuthenticator: (a) => a.getAuthenticator('none'),
  listAuthenticatorsByUserId: (a) => a.listAuthenticatorsByUserId('nobody'),
}

forEachBackend((backend) => {
  test('every adapter method that can find nothing resolves to what index.d.ts declares', async () => {
    const declared = declaredAbsence(read('index.d.ts'), 'export interface SqliteAdapterMethods')
    assert.equal(Object.keys(declared).length, 19, `parsed ${Object.keys(declared).join(', ')}`)
    const a = await freshAdapter({}, backend)
    for (const [method, call] of Object.entries(absentCalls)) {
      assert.notEqual(declared[method], 'value', `${method} is declared as always finding something`)
      assert.equal(kind(await call(a)), declared[method], `${method}: index.d.ts says ${declared[method]}`)
    }
    // The others always resolve to a value.
    for (const method of Object.keys(declared).filter((m) => !(m in absentCalls))) {
      assert.equal(declared[method], 'value', `${method}: declared ${declared[method]} but not exercised here`)
    }
  })

  test('the native handle resolves to what binding.d.ts declares', async () => {
    const postgres = backend === 'postgres'
    const declared = declaredAbsence(read('binding.d.ts'), postgres ? 'export declare class PostgresDatabase' : 'export declare class AuthDatabase')
    const db = postgres ? (await freshLocation(backend)).open() : openAuthDatabase(':memory:')
    for (const [method, call] of Object.entries(absentCalls)) {
      if (method === 'getSessionAndUser' && !postgres) continue // the SQLite handle's is getSessionAndUserWith
      assert.ok(declared[method], `binding.d.ts declares ${method}`)
      assert.equal(kind(await call(db)), declared[method], `${method}: binding.d.ts says ${declared[method]}`)
    }
    db.close()
  })
})
