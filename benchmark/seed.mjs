// Bulk seeding, in a process of its own (the worker opens the database with its adapter's
// library; one process never opens a file from two SQLite libraries, and the worker's RSS is
// its adapter's alone). Prints the row count of every table as JSON.
//
// SQLite: raw INSERTs through better-sqlite3 in transactions of 50,000 users, in the encoding of
// the adapter's schema. PostgreSQL: the adapter module's own `bulkSeed(url, users, expiresMs)`
// (adapters/postgres.mjs: a few large INSERT ... SELECT FROM unnest(...) statements through pg).
//
//   node benchmark/seed.mjs <adapter> <database file or URL> <users> <session expiry, ms>

import { seedRow } from './data.mjs'
import { openSqlite } from './adapters/sqlite.mjs'

const [adapterName, path, users, expiresMs] = process.argv.slice(2)
const mod = await import(`./adapters/${adapterName}.mjs`)
const counts = mod.bulkSeed ? await mod.bulkSeed(path, Number(users), Number(expiresMs)) : seedSqlite()
process.stdout.write(JSON.stringify(counts))

function seedSqlite() {
  const db = openSqlite(path)
  const insert = mod.seeder(db)
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) insert(seedRow(i, Number(expiresMs)))
  })
  for (let from = 0; from < Number(users); from += 50_000) batch(from, Math.min(Number(users), from + 50_000))
  db.pragma('wal_checkpoint(TRUNCATE)')
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'authlite%'").pluck().all()
  const counts = Object.fromEntries(tables.map((t) => [t.toLowerCase(), db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get()]))
  db.close()
  return counts
}
