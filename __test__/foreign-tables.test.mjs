// A database holding another auth library's tables is refused at open with
// AUTHLITE_FOREIGN_TABLES, naming them, and left exactly as it was: no authlite table beside
// them (a second, empty set would sign everyone out and give returning users new ids), no
// change to them (on SQLite, Prisma's and Kysely's "User" and "Session" are the same tables as
// authlite's "user" and "session"). The database is made by @auth/kysely-adapter's documented
// migration with kysely, holding a user, an account and a session written through that adapter
// (fixtures/kysely-made.mjs, in a child process). Which layouts count is unit-tested in
// src/foreign_tables.rs. The command line (which opens without migrating) refuses it as well.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { test } from 'node:test'

import { openAuthDatabase } from '../index.mjs'
import { cli, forEachBackend, freshLocation, rows, tempDbPath } from './helpers.mjs'

const fixture = new URL('./fixtures/kysely-made.mjs', import.meta.url).pathname

/** Every table, index and column of the database, to compare before and after. */
function schemaOf(location) {
  return location.backend === 'postgres'
    ? rows(
        location,
        `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default,
                (SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes i WHERE i.tablename = c.table_name AND i.schemaname = c.table_schema) AS indexes
           FROM information_schema.columns c WHERE c.table_schema = current_schema()
          ORDER BY c.table_name, c.ordinal_position`,
      )
    : rows(location, 'SELECT "type", "name", "tbl_name", "sql" FROM sqlite_schema ORDER BY "name"')
}

forEachBackend((backend) => {
  test('a database of @auth/kysely-adapter is refused at open, naming its tables, and left as it was', async () => {
    const location = await freshLocation(backend)
    const userId = execFileSync(process.execPath, [fixture, location.url ?? location.path], { encoding: 'utf8' })
    const before = await schemaOf(location)
    const refused = {
      code: 'AUTHLITE_FOREIGN_TABLES',
      message:
        /^authlite: open: this database holds another auth library's tables \("Account", "Session", "User", "VerificationToken"\), which authlite does not work on in place yet; nothing was changed\./,
    }
    if (location.backend === 'postgres') {
      // Opening connects on first use: ready() (or the first call) reports it.
      const db = location.open()
      await assert.rejects(db.ready(), refused)
    } else {
      assert.throws(() => location.open(), refused)
    }
    assert.deepEqual(await schemaOf(location), before, 'the schema is unchanged')
    assert.deepEqual(
      (await rows(location, 'SELECT "id", "email" FROM "User"')).map((r) => ({ ...r, id: String(r.id) })),
      [{ id: userId, email: 'ada@example.com' }],
    )
    assert.equal((await rows(location, 'SELECT "sessionToken" FROM "Session"'))[0].sessionToken, 'kysely-session')
  })
})

test('the command line and migrate: false refuse it too, instead of misreading its rows', async () => {
  const path = tempDbPath()
  execFileSync(process.execPath, [fixture, path])
  for (const command of ['stats', 'users', 'purge', 'check']) {
    const out = await cli(command, path)
    assert.equal(out.code, 1, command)
    assert.match(out.stderr, /^authlite: open: this database holds another auth library's tables \("Account", "Session", "User", "VerificationToken"\).*\(AUTHLITE_FOREIGN_TABLES\)\n$/s, command)
  }
  assert.throws(() => openAuthDatabase({ path, migrate: false }), { code: 'AUTHLITE_FOREIGN_TABLES' })
  assert.equal((await rows({ backend: 'sqlite', path }, 'SELECT count(*) AS n FROM "Session"'))[0].n, 1, 'purge deleted nothing')
})
