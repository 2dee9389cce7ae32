// A throwaway PgBouncer (Debian's package, /usr/sbin/pgbouncer) in front of a throwaway
// PostgreSQL cluster (scripts/postgres-cluster.mjs), for the tests and the benchmark: the pooler
// hosted PostgreSQL puts between an app and its server (Supabase's and Neon's pooled URLs are
// PgBouncer or behave as it does in transaction mode).
//
// It listens on a free port of 127.0.0.1 only, passes every database name through to the
// cluster (`* = host=... port=...`), authenticates role authlite with SCRAM (its password in a
// userlist file) and logs in to the server with the same. As root it runs as the `postgres`
// user (its -u option), like the cluster. It is stopped (SIGTERM, then SIGKILL) by stop(), and
// when this process exits, is interrupted or terminated.

import { spawn } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const BINARY = '/usr/sbin/pgbouncer'
const HOST = '127.0.0.1'
const ROLE = 'authlite'
const PASSWORD = 'authlite'
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0

const running = new Set()

/** Whether Debian's pgbouncer is installed here. */
export function pgbouncerAvailable() {
  return existsSync(BINARY)
}

/**
 * @typedef {object} Pooler
 * @property {number} port its TCP port on 127.0.0.1
 * @property {(database?: string) => string} url the pooled URL of a database (role authlite)
 * @property {(directUrl: string) => string} pooled the same URL with the pooler's host and port
 * @property {() => string} log what PgBouncer logged so far
 * @property {() => Promise<void>} stop stops it and removes its directory; idempotent
 */

/**
 * Starts PgBouncer in front of `cluster`.
 *
 * @param {{ host: string, port: number }} cluster the server (a startCluster result)
 * @param {object} [options]
 * @param {'transaction'|'session'|'statement'} [options.poolMode='transaction']
 * @param {number} [options.poolSize=5] server connections per database and user
 *   (`default_pool_size`)
 * @param {Record<string, string|number>} [options.settings={}] more [pgbouncer] settings
 * @returns {Promise<Pooler>}
 */
export async function startPgBouncer(cluster, { poolMode = 'transaction', poolSize = 5, settings = {} } = {}) {
  if (!pgbouncerAvailable()) throw new Error(`PgBouncer is not installed here (no ${BINARY}); apt-get install pgbouncer`)
  ensureExitHooks()
  const dir = mkdtempSync(join(tmpdir(), 'authlite-pgbouncer-'))
  chmodSync(dir, 0o755)
  chownToPostgres(dir)
  const port = await freePort()
  const file = (name) => join(dir, name)
  const config = {
    listen_addr: HOST,
    listen_port: port,
    unix_socket_dir: '',
    auth_type: 'scram-sha-256',
    auth_file: file('userlist.txt'),
    pool_mode: poolMode,
    default_pool_size: poolSize,
    max_client_conn: 2000,
    logfile: file('pgbouncer.log'),
    pidfile: file('pgbouncer.pid'),
    ...settings,
  }
  const ini =
    `[databases]\n* = host=${cluster.host} port=${cluster.port}\n\n[pgbouncer]\n` +
    Object.entries(config).map(([key, value]) => `${key} = ${value}`).join('\n') +
    '\n'
  writeOwned(file('pgbouncer.ini'), ini)
  writeOwned(file('userlist.txt'), `"${ROLE}" "${PASSWORD}"\n`, 0o600)
  // As root, PgBouncer itself switches to the postgres user (-u), so signals reach it directly.
  const args = asRoot ? ['-u', 'postgres', file('pgbouncer.ini')] : [file('pgbouncer.ini')]
  const child = spawn(BINARY, args, { cwd: tmpdir(), stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
  let exited = false
  child.on('exit', () => (exited = true))
  const log = () => {
    try {
      return readFileSync(file('pgbouncer.log'), 'utf8')
    } catch {
      return stderr
    }
  }
  let stopping = null
  const internal = {
    stopSync() {
      if (!exited) {
        try {
          child.kill('SIGKILL')
        } catch {
          // gone already
        }
      }
      rmSync(dir, { recursive: true, force: true })
      running.delete(internal)
    },
  }
  running.add(internal)
  const pooler = {
    port,
    url: (database = ROLE) => `postgres://${ROLE}:${PASSWORD}@${HOST}:${port}/${encodeURIComponent(database)}`,
    pooled(directUrl) {
      const url = new URL(directUrl)
      url.host = `${HOST}:${port}`
      return url.toString()
    },
    log,
    stop() {
      stopping ??= (async () => {
        if (!exited) {
          const gone = new Promise((resolve) => child.once('exit', resolve))
          child.kill('SIGTERM') // immediate shutdown
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
          await gone
          clearTimeout(timer)
        }
        internal.stopSync()
      })()
      return stopping
    },
  }
  const deadline = Date.now() + 15_000
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      await pooler.stop()
      throw new Error(`PgBouncer did not start on port ${port}:\n${stderr}\n${log()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return pooler
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Writes a file PgBouncer reads: owned by the postgres user when running as root. */
function writeOwned(path, text, mode = 0o644) {
  writeFileSync(path, text, { mode })
  chownToPostgres(path)
}

/** As root, gives a path to the postgres user (PgBouncer runs as it and writes its log here). */
function chownToPostgres(path) {
  if (!asRoot) return
  const ids = postgresIds()
  if (ids) chownSync(path, ids.uid, ids.gid)
}

function postgresIds() {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid] = line.split(':')
    if (name === 'postgres') return { uid: Number(uid), gid: Number(gid) }
  }
  return null
}

let hooked = false
function ensureExitHooks() {
  if (hooked) return
  hooked = true
  const stopAll = () => {
    for (const internal of [...running]) internal.stopSync()
  }
  process.on('exit', stopAll)
  process.on('uncaughtExceptionMonitor', stopAll)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const onSignal = () => {
      stopAll()
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal)
        process.kill(process.pid, signal)
      }
    }
    process.on(signal, onSignal)
  }
}

/** A port of 127.0.0.1 the OS says is free. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, HOST, () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}
