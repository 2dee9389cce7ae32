// Shared test helpers: fresh databases, unbound adapter methods, and database inspection in a
// child process (never open the file from a second SQLite library in this process).

import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'

import { SqliteAdapter } from '../index.mjs'

const dirs = []
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** A path for a new database file in a temporary directory removed after the tests. */
export function tempDbPath(name = 'auth.db') {
  const dir = mkdtempSync(join(tmpdir(), 'authlite-'))
  dirs.push(dir)
  return join(dir, name)
}

/**
 * The adapter's methods the way @auth/core takes them: collected with Object.keys and called
 * unbound, never as `adapter.method(...)`.
 */
export function unbound(adapter) {
  const methods = {}
  for (const name of Object.keys(adapter)) methods[name] = adapter[name]
  return methods
}

/** A fresh adapter on a new file, as unbound methods. */
export function freshAdapter(options = {}) {
  const path = tempDbPath()
  return { path, ...unbound(SqliteAdapter({ path, ...options })) }
}

/** Runs `sql` on the database file in a child process (better-sqlite3) and returns its rows. */
export function inspect(path, sql, params = []) {
  const script = `
    const Database = require('better-sqlite3')
    const db = new Database(process.argv[1], { readonly: true, fileMustExist: true })
    const rows = db.prepare(process.argv[2]).all(...JSON.parse(process.argv[3]))
    process.stdout.write(JSON.stringify(rows))
  `
  const out = execFileSync(process.execPath, ['-e', script, path, sql, JSON.stringify(params)], {
    cwd: new URL('..', import.meta.url),
    encoding: 'utf8',
  })
  return JSON.parse(out)
}

/** Runs a script of statements on the database file in a child process (better-sqlite3). */
export function execInChild(path, sql) {
  const script = `
    const Database = require('better-sqlite3')
    new Database(process.argv[1]).exec(process.argv[2])
  `
  execFileSync(process.execPath, ['-e', script, path, sql], { cwd: new URL('..', import.meta.url) })
}

export const ADAPTER_METHODS = [
  'createUser',
  'getUser',
  'getUserByEmail',
  'getUserByAccount',
  'updateUser',
  'deleteUser',
  'linkAccount',
  'unlinkAccount',
  'createSession',
  'getSessionAndUser',
  'updateSession',
  'deleteSession',
  'createVerificationToken',
  'useVerificationToken',
  'getAccount',
  'createAuthenticator',
  'getAuthenticator',
  'listAuthenticatorsByUserId',
  'updateAuthenticatorCounter',
]
