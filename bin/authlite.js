#!/usr/bin/env node
'use strict'

// `npx authlite <command>`: the operator's command line, on the same native handle an app uses
// (`openAuthDatabase`), opened with `fileMustExist` (a wrong path is an error, nothing is
// created) and `migrate: false` (a database another tool made is looked at as it is). Safe
// while the app runs: SQLite's WAL lets it read beside the app, and its writes wait their turn.
//
// Exit status: 0 done, 1 the command failed (the message says why), 2 wrong usage, 3 the user
// asked for does not exist, 4 `check` found problems.

const { readFileSync } = require('node:fs')
const { parseArgs } = require('node:util')

const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, problems: 4 }

class UsageError extends Error {}

/** An expected outcome that is not a success (no such user, a failed check): its own exit status. */
class Outcome extends Error {
  constructor(message, code) {
    super(message)
    this.exitCode = code
  }
}

const USAGE = `Usage: authlite <command> [options]

Look into and manage an Auth.js database (authlite's, or one @auth/drizzle-adapter made).
Safe while the app runs. Never creates a database: a wrong path is an error.

Commands:
  stats <db>                        counts: users, accounts by provider, sessions, tokens, passkeys, sizes
  users <db> [--search t] [--limit n]   list users (email, name, accounts, passkeys, live sessions)
  user <db> <email|id>              one user: accounts (providers, never tokens), passkeys, sessions
  revoke <db> <email|id>            sign a user out everywhere (delete their sessions)
  delete-user <db> <email|id>       delete a user with their sessions, accounts and passkeys (asks; --yes)
  purge <db>                        delete expired sessions and verification tokens
  check <db>                        integrity check and schema version
  backup <db> <dest>                online backup to a new file
  copy <sqlite-file> <postgres-url> move a SQLite auth database into PostgreSQL

Every command takes --help; all but copy take --json (machine-readable output).
Exit status: 0 done, 1 failed, 2 wrong usage, 3 no such user, 4 check found problems.`

/** Each command: its usage, options, positional arguments, and what it does. */
const COMMANDS = {
  stats: {
    usage: 'authlite stats <db> [--json]\n\nCounts users, accounts by provider, live and expired sessions, verification tokens and passkeys; the file and WAL size; the schema version.',
    args: ['db'],
    run: ({ db, json }) => {
      const stats = db.stats()
      if (json) return print(stats)
      const rows = [
        ['users', stats.users],
        ['accounts', `${stats.accounts}${stats.accountsByProvider.length ? ` (${stats.accountsByProvider.map((p) => `${p.provider} ${p.accounts}`).join(', ')})` : ''}`],
        ['sessions', `${stats.liveSessions} live, ${stats.expiredSessions} expired`],
        ['verification tokens', stats.verificationTokens],
        ['passkeys', stats.passkeys],
        ['file', `${bytes(stats.fileBytes)} (+ ${bytes(stats.walBytes)} WAL)`],
        ['schema version', stats.schemaVersion === 0 ? '0 (not migrated by authlite: made by another tool)' : stats.schemaVersion],
      ]
      console.log(table(['', ''], rows, { header: false }))
    },
  },
  users: {
    usage: 'authlite users <db> [--search text] [--limit n] [--json]\n\nLists users by email: those whose email or name contains the text (any case), or whose id is it; at most --limit (default 50).',
    args: ['db'],
    options: { search: { type: 'string' }, limit: { type: 'string' } },
    run: ({ db, json, values }) => {
      const limit = values.limit === undefined ? undefined : wholeNumber('--limit', values.limit)
      const users = db.findUsers({ search: values.search, limit })
      if (json) return print(users)
      if (users.length === 0) return console.log(values.search === undefined ? 'no users' : `no user matches ${JSON.stringify(values.search)}`)
      console.log(
        table(
          ['email', 'name', 'verified', 'accounts', 'passkeys', 'sessions', 'id'],
          users.map((u) => [u.email ?? '-', u.name ?? '-', u.emailVerifiedMs == null ? 'no' : day(u.emailVerifiedMs), u.accounts, u.passkeys, u.liveSessions, u.id]),
        ),
      )
    },
  },
  user: {
    usage: 'authlite user <db> <email|id> [--json]\n\nShows one user (by id, or else by email): their accounts (providers, never tokens), passkeys and sessions.',
    args: ['db', 'who'],
    run: ({ db, json, who }) => {
      const user = found(db, who)
      if (json) return print(user)
      console.log(
        table(['', ''], [
          ['id', user.id],
          ['email', user.email ?? '-'],
          ['name', user.name ?? '-'],
          ['email verified', user.emailVerifiedMs == null ? 'no' : new Date(user.emailVerifiedMs).toISOString()],
          ['sessions', `${user.liveSessions} live, ${user.expiredSessions} expired`],
        ], { header: false }),
      )
      console.log(`\naccounts (${user.accounts.length})`)
      if (user.accounts.length) console.log(table(['provider', 'account id', 'type'], user.accounts.map((a) => [a.provider, a.providerAccountId, a.type])))
      console.log(`\npasskeys (${user.passkeys.length})`)
      if (user.passkeys.length) {
        console.log(table(['credential id', 'device', 'backed up', 'counter', 'transports'], user.passkeys.map((p) => [p.credentialID, p.deviceType, p.backedUp ? 'yes' : 'no', p.counter, p.transports ?? '-'])))
      }
    },
  },
  revoke: {
    usage: 'authlite revoke <db> <email|id> [--json]\n\nSigns the user out everywhere: deletes all their sessions.',
    args: ['db', 'who'],
    run: async ({ db, json, who }) => {
      const user = found(db, who)
      const sessions = await db.revokeSessions(user.id)
      if (json) return print({ userId: user.id, sessions })
      console.log(`signed ${user.email ?? user.id} out everywhere: ${sessions} session${sessions === 1 ? '' : 's'} deleted`)
    },
  },
  'delete-user': {
    usage: 'authlite delete-user <db> <email|id> [--yes] [--json]\n\nDeletes the user with their sessions, accounts and passkeys, in one transaction. Asks first unless --yes (without a terminal to ask on, --yes is required).',
    args: ['db', 'who'],
    options: { yes: { type: 'boolean', short: 'y' } },
    run: async ({ db, json, who, values }) => {
      const user = found(db, who)
      const what = `${user.email ?? user.id} with ${user.liveSessions + user.expiredSessions} sessions, ${user.accounts.length} accounts and ${user.passkeys.length} passkeys`
      if (!values.yes) {
        if (!process.stdin.isTTY) throw new UsageError(`delete-user needs --yes when it cannot ask (no terminal): it would delete ${what}`)
        if (!(await confirm(`Delete ${what}? [y/N] `))) throw new Outcome('nothing deleted', EXIT.failed)
      }
      const removed = await db.removeUser(user.id)
      if (removed === null) throw new Outcome(`no user ${JSON.stringify(who)} (deleted meanwhile)`, EXIT.notFound)
      if (json) return print({ userId: user.id, ...removed })
      console.log(`deleted ${user.email ?? user.id}: ${removed.sessions} sessions, ${removed.accounts} accounts, ${removed.passkeys} passkeys`)
    },
  },
  purge: {
    usage: 'authlite purge <db> [--json]\n\nDeletes expired sessions and verification tokens (Auth.js deletes an expired session only when its user comes back).',
    args: ['db'],
    run: async ({ db, json }) => {
      const deleted = await db.deleteExpired()
      if (json) return print(deleted)
      console.log(`deleted ${deleted.sessions} expired sessions and ${deleted.verificationTokens} expired verification tokens`)
    },
  },
  check: {
    usage: 'authlite check <db> [--json]\n\nRuns SQLite\'s integrity check (every page and index consistent) and shows the schema version. Exit status 4 when it finds problems.',
    args: ['db'],
    run: ({ db, json }) => {
      const report = db.checkIntegrity()
      if (json) print(report)
      else {
        console.log(`integrity: ${report.ok ? 'ok' : 'PROBLEMS'}`)
        for (const line of report.problems) console.log(`  ${line}`)
        console.log(`schema version: ${report.schemaVersion === 0 ? '0 (not migrated by authlite: made by another tool)' : report.schemaVersion}`)
      }
      if (!report.ok) throw new Outcome('', EXIT.problems)
    },
  },
  backup: {
    usage: 'authlite backup <db> <dest> [--json]\n\nCopies the live database to a new file <dest> (never overwrites one), one consistent snapshot, while the app keeps running. Shows a progress bar on a terminal.',
    args: ['db', 'dest'],
    run: async ({ db, json, dest }) => {
      const bar = progressBar()
      const done = await db.backup(dest, ({ pages, total }) => bar.update(pages, total, 'pages'))
      bar.end()
      if (json) return print({ destination: dest, ...done })
      console.log(`backed up ${done.pages} pages (${bytes(done.bytes)}) to ${dest}`)
    },
  },
  copy: {
    usage: `authlite copy <sqlite-file> <postgres-url> [--merge] [--ca <file>]

Copies an Auth.js SQLite database (made by authlite or @auth/drizzle-adapter) into PostgreSQL in
one transaction: users, accounts, sessions, verification tokens and passkeys. The tables are
created if missing. The SQLite file is only read (safe while the app runs).

Arguments:
  <sqlite-file>    the database file, e.g. ./auth.db
  <postgres-url>   postgres://user:password@host:5432/database (sslmode=..., several hosts, as libpq)

Options:
  --merge          copy into a database that already has auth rows: rows whose key is already
                   there are kept as they are (running copy twice adds nothing)
  --ca <file>      the PEM file of the CA that signed the server's certificate
  -h, --help       this help

Encrypted account tokens (encryptionKey) are copied as they are: open PostgresAdapter with the
same encryptionKey. Exit status: 0 copied, 1 failed (nothing was written), 2 wrong usage.`,
    args: ['file', 'url'],
    options: { merge: { type: 'boolean' }, ca: { type: 'string' } },
    opens: false,
    run: async ({ file, url, values }) => {
      const { openAuthDatabase } = require('../adapter')
      const ca = values.ca === undefined ? undefined : readFileSync(values.ca, 'utf8')
      const db = openAuthDatabase(ca === undefined ? { url } : { url, ca })
      const bar = progressBar({ perTable: true })
      const started = Date.now()
      try {
        const copied = await db.copyFromSqlite(file, values.merge ?? false, ({ table, done, total }) => bar.update(done, total, table))
        bar.end()
        const seconds = ((Date.now() - started) / 1000).toFixed(1)
        console.log(
          `copied ${copied.users} users, ${copied.accounts} accounts, ${copied.sessions} sessions, ` +
            `${copied.verificationTokens} verification tokens and ${copied.authenticators} passkeys in ${seconds} s` +
            (copied.skipped > 0 ? ` (${copied.skipped} rows were already there and were kept)` : ''),
        )
      } finally {
        bar.end()
        db.close()
      }
    },
  },
}

function print(value) {
  console.log(JSON.stringify(value, null, 2))
}

function bytes(n) {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

const day = (ms) => new Date(ms).toISOString().slice(0, 10)

function wholeNumber(flag, text) {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number from 1, got ${JSON.stringify(text)}`)
  return n
}

/** Text table: columns padded to their widest cell. */
function table(headers, rows, { header = true } = {}) {
  const cells = (header ? [headers, ...rows] : rows).map((row) => row.map((cell) => String(cell)))
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)))
  const line = (row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()
  const out = cells.map(line)
  if (header) out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '))
  return out.join('\n')
}

/** The user by id or email, or an Outcome that exits with status 3. */
function found(db, who) {
  const user = db.userDetails(who)
  if (user === null) throw new Outcome(`no user has the id or email ${JSON.stringify(who)}`, EXIT.notFound)
  return user
}

function confirm(question) {
  const readline = require('node:readline')
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr })
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close()
      resolve(/^y(es)?$/i.test(answer.trim()))
    })
  })
}

/** A progress bar on a terminal (stderr); on anything else, one line per finished part. */
function progressBar({ perTable = false } = {}) {
  const tty = process.stderr.isTTY
  let drawn = false
  return {
    update(done, total, what) {
      if (tty) {
        const width = 30
        const filled = total > 0 ? Math.round((done / total) * width) : width
        process.stderr.write(`\r${what.padEnd(perTable ? 18 : 6)} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}\x1b[K`)
        drawn = true
      } else if (perTable && done === total) {
        process.stderr.write(`copying ${what}: ${done}/${total}\n`)
      }
    },
    end() {
      if (drawn) process.stderr.write('\n')
      drawn = false
    },
  }
}

function parse(command, spec, argv) {
  const options = { ...spec.options, help: { type: 'boolean', short: 'h' }, ...(spec.opens === false ? {} : { json: { type: 'boolean' } }) }
  let parsed
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError(`${command}: ${err.message}\n\nUsage: ${spec.usage.split('\n')[0]}`)
  }
  if (parsed.values.help) return { help: true }
  if (parsed.positionals.length !== spec.args.length) {
    const names = spec.args.map((a) => `<${a}>`).join(' ')
    throw new UsageError(`${command} takes ${spec.args.length} argument${spec.args.length === 1 ? '' : 's'}, got ${parsed.positionals.length}: ${names}\n\nUsage: ${spec.usage.split('\n')[0]}`)
  }
  return { values: parsed.values, positionals: parsed.positionals }
}

async function main(argv) {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE)
    return command === undefined ? EXIT.usage : EXIT.ok
  }
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined
  if (!spec) throw new UsageError(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`)
  const parsed = parse(command, spec, rest)
  if (parsed.help) {
    console.log(`Usage: ${spec.usage}`)
    return EXIT.ok
  }
  const named = Object.fromEntries(spec.args.map((name, i) => [name, parsed.positionals[i]]))
  if (spec.opens === false) {
    await spec.run({ ...named, values: parsed.values })
    return EXIT.ok
  }
  const { openAuthDatabase } = require('../adapter')
  const db = openAuthDatabase({ path: named.db, fileMustExist: true, migrate: false })
  try {
    await spec.run({ ...named, db, json: parsed.values.json ?? false, values: parsed.values })
  } finally {
    db.close()
  }
  return EXIT.ok
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    if (err instanceof UsageError) {
      console.error(`authlite: ${err.message}`)
      process.exitCode = EXIT.usage
    } else if (err instanceof Outcome) {
      if (err.message) console.error(`authlite: ${err.message}`)
      process.exitCode = err.exitCode
    } else {
      console.error(err.code ? `${err.message} (${err.code})` : `authlite: ${err.message}`)
      process.exitCode = EXIT.failed
    }
  },
)
