#!/usr/bin/env node
'use strict'

// `npx authlite <command>`: the operator's command line. Commands:
//   copy <sqlite-file> <postgres-url> [--merge]   move a SQLite auth database to PostgreSQL
// Exit codes: 0 done, 1 the command failed (the message says why), 2 wrong usage.

const { parseArgs } = require('node:util')

const USAGE = `Usage: authlite <command> [options]

Commands:
  copy <sqlite-file> <postgres-url>   Copy users, accounts, sessions, verification tokens and
                                      passkeys from an authlite (or drizzle-adapter) SQLite file
                                      into PostgreSQL, in one transaction. The file is only read;
                                      signed-in users stay signed in.

Run "authlite <command> --help" for a command's options.`

const COPY_USAGE = `Usage: authlite copy <sqlite-file> <postgres-url> [options]

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
same encryptionKey. Exit status: 0 copied, 1 failed (nothing was written), 2 wrong usage.`

class UsageError extends Error {}

function parse(args, options, usage) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError(`${err.message}\n\n${usage}`)
  }
}

/** Writes a progress line: rewritten in place on a terminal, one line per table otherwise. */
function progressLine() {
  const tty = process.stderr.isTTY
  let last = ''
  return {
    update({ table, done, total }) {
      const line = `copying ${table}: ${done}/${total}`
      if (tty) process.stderr.write(`\r${line}\x1b[K`)
      else if (done === total) process.stderr.write(`${line}\n`)
      last = line
    },
    end() {
      if (tty && last) process.stderr.write('\n')
    },
  }
}

async function copy(args) {
  const { values, positionals } = parse(args, { merge: { type: 'boolean' }, ca: { type: 'string' } }, COPY_USAGE)
  if (values.help) return console.log(COPY_USAGE)
  if (positionals.length !== 2) throw new UsageError(`copy takes 2 arguments, got ${positionals.length}\n\n${COPY_USAGE}`)
  const [file, url] = positionals
  const { openAuthDatabase } = require('../adapter')
  const { readFileSync } = require('node:fs')
  const ca = values.ca === undefined ? undefined : readFileSync(values.ca, 'utf8')
  const db = openAuthDatabase(ca === undefined ? { url } : { url, ca })
  const progress = progressLine()
  const started = Date.now()
  try {
    const copied = await db.copyFromSqlite(file, values.merge ?? false, (step) => progress.update(step))
    progress.end()
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    console.log(
      `copied ${copied.users} users, ${copied.accounts} accounts, ${copied.sessions} sessions, ` +
        `${copied.verificationTokens} verification tokens and ${copied.authenticators} passkeys in ${seconds} s` +
        (copied.skipped > 0 ? ` (${copied.skipped} rows were already there and were kept)` : ''),
    )
  } finally {
    progress.end()
    db.close()
  }
}

const COMMANDS = { copy }

async function main(argv) {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE)
    return command === undefined ? 2 : 0
  }
  const run = COMMANDS[command]
  if (!run) throw new UsageError(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`)
  await run(rest)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    if (err instanceof UsageError) {
      console.error(`authlite: ${err.message}`)
      process.exitCode = 2
    } else {
      console.error(err.code ? `${err.message} (${err.code})` : `authlite: ${err.message}`)
      process.exitCode = 1
    }
  },
)
