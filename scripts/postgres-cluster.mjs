// Throwaway PostgreSQL 15 clusters for the tests and the benchmark: each in fresh temporary
// directories, on a free port of 127.0.0.1, removed when stopped. Every running cluster is
// registered and stopped (immediate mode) when the process exits, is interrupted or terminated,
// or dies of an uncaught error, so a test run leaves no postgres process behind. (A SIGKILL of
// this process cannot be handled: its clusters would stay up.)
//
// Postgres refuses to run as root: as root, initdb, pg_ctl, psql and pg_basebackup run as the
// `postgres` user through runuser (Debian's package creates that user). The superuser `postgres`
// is trusted on the cluster's unix socket only; over TCP only role `authlite` (password
// `authlite`) may log in, with scram-sha-256, and only from 127.0.0.1.

import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'

const BIN = '/usr/lib/postgresql/15/bin'
const TOOLS = ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_basebackup']
/** The programs that run on a cluster's data directory: the tools, runuser, pg_ctl's shell. */
const OWN_PROGRAMS = new Set([...TOOLS, 'runuser', 'sh'])
const HOST = '127.0.0.1'
const ROLE = 'authlite'
const PASSWORD = 'authlite'
const REPLICATION_ROLE = 'replicator'
const REPLICATION_PASSWORD = 'replicator'
const SETUP_SQL =
  `CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}';\n` +
  `CREATE DATABASE ${ROLE} OWNER ${ROLE};\n`

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0

/** Internal handles of the clusters started and not yet stopped. */
const running = new Set()
/** Ports handed out by this process: never twice. */
const usedPorts = new Set()
let counter = 0

/**
 * Whether the PostgreSQL 15 binaries are installed here (Debian's layout,
 * /usr/lib/postgresql/15/bin) and, when running as root, the `postgres` user to run them as
 * exists.
 * @returns {boolean}
 */
export function postgresAvailable() {
  if (!TOOLS.every((tool) => existsSync(join(BIN, tool)))) return false
  return !asRoot || (postgresIds() !== null && existsSync('/usr/sbin/runuser'))
}

/**
 * @typedef {object} Cluster
 * @property {string} host always '127.0.0.1'
 * @property {number} port its TCP port
 * @property {string} dataDir its data directory
 * @property {string} socketDir the directory of its unix socket
 * @property {string} [caPem] with tls: the CA certificate (PEM text) to verify the server with
 * @property {string} [caFile] with tls: the path of that certificate, readable by anyone
 * @property {(database?: string) => string} url
 *   `postgres://authlite:authlite@127.0.0.1:<port>/<database>`; database defaults to 'authlite'
 * @property {(name?: string) => Promise<string>} createDatabase
 *   creates an empty database owned by authlite (a unique name when none is given) and
 *   resolves to its URL
 * @property {(sql: string, database?: string) => Promise<string>} psql
 *   runs SQL (one or more statements) as the superuser over the unix socket, in database
 *   'postgres' by default, with `psql -X -v ON_ERROR_STOP=1 -At`; resolves to its stdout,
 *   rejects with psql's error
 * @property {() => Promise<void>} stop stops the server (fast mode) and removes its
 *   directories; idempotent, and fine after kill()
 * @property {() => void} kill SIGKILLs the postmaster (pid from postmaster.pid) and its child
 *   processes, as a crash would, and returns once they are gone
 */

/**
 * Starts a throwaway PostgreSQL 15 cluster on 127.0.0.1 and a free port, with role `authlite`
 * (password `authlite`, LOGIN, CREATEDB) and a database `authlite` it owns.
 *
 * @param {object} [options]
 * @param {boolean} [options.tls=false] serve TCP over TLS only (hostssl), with a certificate
 *   for IP 127.0.0.1 and DNS localhost signed by a throwaway CA (`caPem`, `caFile`); plain
 *   TCP connections are refused.
 * @param {Record<string, string|number|boolean>} [options.settings={}] extra server settings,
 *   as `-c key=value` (e.g. `{ TimeZone: 'Pacific/Chatham' }`); they win over the defaults.
 * @param {boolean} [options.fast=true] initdb --no-sync, fsync=off and full_page_writes=off:
 *   faster start and writes, nothing durable across a crash.
 * @returns {Promise<Cluster>}
 */
export async function startCluster({ tls = false, settings = {}, fast = true } = {}) {
  const { cluster, internal } = newCluster()
  try {
    await initdb(internal, { fast, tls })
    internal.settings = {
      ...(fast ? { fsync: 'off', full_page_writes: 'off' } : {}),
      ...(tls ? makeCertificates(internal) : {}),
      ...settings,
    }
    await startServer(internal)
    await cluster.psql(SETUP_SQL)
  } catch (error) {
    await cluster.stop().catch(() => {})
    throw error
  }
  return cluster
}

/**
 * Starts a primary and a synchronous streaming standby of it, both durable (no --no-sync,
 * fsync on, synchronous_commit on). The primary has wal_level=replica, a replication role
 * allowed from 127.0.0.1, and synchronous_standby_names='*'; the standby is made with
 * `pg_basebackup -R` and runs on its own port. Resolves once the primary reports the standby
 * as streaming with sync_state 'sync' (rejects after 30 s with the replication state and the
 * standby's log). Databases created on the primary replicate to the standby. The standby does
 * not itself require a synchronous standby, so it takes writes once promoted.
 *
 * @returns {Promise<{
 *   primary: Cluster,
 *   standby: Cluster,
 *   multiHostUrl(database?: string): string,
 *   promote(): Promise<void>,
 *   stop(): Promise<void>,
 * }>}
 */
export async function startReplicatedPair() {
  const { cluster: primary, internal: primaryInternal } = newCluster()
  let standby
  let standbyInternal
  try {
    await initdb(primaryInternal, { fast: false, tls: false, replication: true })
    primaryInternal.settings = { wal_level: 'replica', max_wal_senders: 5, synchronous_commit: 'on' }
    await startServer(primaryInternal)
    await primary.psql(
      SETUP_SQL +
        `CREATE ROLE ${REPLICATION_ROLE} REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';\n`,
    )
    const started = await startStandby(primary)
    standby = started.cluster
    standbyInternal = started.internal
    // Only now, and with ALTER SYSTEM (postgresql.auto.conf, after the base backup): a standby
    // that inherited it would wait for a synchronous standby of its own once promoted.
    await primary.psql(`ALTER SYSTEM SET synchronous_standby_names = '*';\nSELECT pg_reload_conf();`)
    await waitForSync(primary, standbyInternal)
  } catch (error) {
    await Promise.all([standby?.stop(), primary.stop()].map((p) => p?.catch(() => {})))
    throw error
  }
  return {
    primary,
    standby,
    /** Both servers in one URL, `?target_session_attrs=read-write`. */
    multiHostUrl(database = ROLE) {
      return (
        `postgres://${ROLE}:${PASSWORD}@${HOST}:${primary.port},${HOST}:${standby.port}/` +
        `${encodeURIComponent(database)}?target_session_attrs=read-write`
      )
    },
    /** Promotes the standby (`pg_ctl promote -w`): resolves once it takes writes. */
    async promote() {
      await pg(['pg_ctl', '-D', standby.dataDir, '-w', '-t', '60', 'promote'])
    },
    /** Stops both servers and removes their directories. */
    async stop() {
      await Promise.all([standby.stop(), primary.stop()])
    },
  }
}

// --- building and starting a cluster --------------------------------------------------------

/** A cluster's directories, its public API and its internal handle (registered in `running`). */
function newCluster() {
  if (!postgresAvailable()) {
    throw new Error(
      `PostgreSQL 15 is not installed here (no ${BIN}/initdb...)` +
        (asRoot ? ', or there is no postgres user to run it as' : ''),
    )
  }
  ensureExitHooks()
  const baseDir = mkdtempSync(join(tmpdir(), 'authlite-pg-'))
  // Others must reach the socket and the CA certificate; the data directory itself is 0700
  // (initdb and pg_basebackup make it so).
  chmodSync(baseDir, 0o755)
  const socketDir = join(baseDir, 'socket')
  mkdirSync(socketDir, { mode: 0o755 })
  chownToPostgres(baseDir)
  chownToPostgres(socketDir)
  const dataDir = join(baseDir, 'data')

  let state = 'new' // then 'running', 'killed', 'stopped'
  let stopping = null

  const cluster = {
    host: HOST,
    port: 0,
    dataDir,
    socketDir,
    url(database = ROLE) {
      return `postgres://${ROLE}:${PASSWORD}@${HOST}:${cluster.port}/${encodeURIComponent(database)}`
    },
    async createDatabase(name) {
      const database = name ?? `authlite_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`
      await cluster.psql(`CREATE DATABASE ${quoteIdent(database)} OWNER ${ROLE};`)
      return cluster.url(database)
    },
    async psql(sql, database = 'postgres') {
      const args = ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-h', socketDir, '-p', String(cluster.port)]
      args.push('-U', 'postgres', '-d', database, '-f', '-')
      const { stdout } = await pg(['psql', ...args], { input: sql })
      return stdout
    },
    stop() {
      stopping ??= (async () => {
        try {
          if (state === 'running') {
            try {
              await pg(['pg_ctl', '-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'])
            } catch (error) {
              // Gone already (killed from outside) counts as stopped; anything else is
              // reported, once the processes are killed.
              if (clusterProcesses(internal).length > 0) {
                killProcesses(internal)
                throw error
              }
            }
          }
          killProcesses(internal) // none left, normally
        } finally {
          removeDirs()
        }
      })()
      return stopping
    },
    kill() {
      if (state !== 'running') return
      killProcesses(internal)
      state = 'killed'
    },
  }

  function removeDirs() {
    state = 'stopped'
    running.delete(internal)
    rmSync(baseDir, { recursive: true, force: true, maxRetries: 3 })
  }

  const internal = {
    cluster,
    baseDir,
    dataDir,
    socketDir,
    settings: {},
    started() {
      state = 'running'
    },
    /**
     * Immediate stop and removal, synchronous, whatever the cluster is doing (starting,
     * stopping, being built): for the exit and signal handlers.
     */
    stopSync() {
      if (state === 'stopped') return
      try {
        if (postmasterPid(internal) !== null) {
          try {
            const stop = ['pg_ctl', '-D', dataDir, '-m', 'immediate', '-w', '-t', '20', 'stop']
            const [file, args] = command(stop)
            execFileSync(file, args, { cwd: tmpdir(), env: childEnv(), stdio: 'ignore' })
          } catch {
            // killed below
          }
        }
        // What pg_ctl did not stop: a postmaster still starting up, or a pg_ctl, initdb or
        // pg_basebackup still working on the data directory.
        killProcesses(internal)
      } finally {
        removeDirs()
      }
    },
  }
  running.add(internal)
  return { cluster, internal }
}

async function initdb(internal, { fast, tls, replication = false }) {
  const args = ['-D', internal.dataDir, '-U', 'postgres', '--auth-local=trust']
  args.push('--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions')
  if (fast) args.push('--no-sync')
  await pg(['initdb', ...args], { cwd: internal.baseDir })
  const host = tls ? 'hostssl' : 'host'
  const hba = [
    '# authlite test cluster: the superuser over the unix socket only, authlite over TCP.',
    'local all postgres trust',
    'local replication postgres trust',
    `${host} all ${ROLE} ${HOST}/32 scram-sha-256`,
  ]
  if (replication) hba.push(`${host} replication ${REPLICATION_ROLE} ${HOST}/32 scram-sha-256`)
  writeConfFile(join(internal.dataDir, 'pg_hba.conf'), hba.join('\n') + '\n')
}

async function startStandby(primary) {
  const { cluster: standby, internal } = newCluster()
  try {
    const conninfo =
      `host=${HOST} port=${primary.port} user=${REPLICATION_ROLE} ` +
      `password=${REPLICATION_PASSWORD} application_name=standby`
    await pg(['pg_basebackup', '-d', conninfo, '-D', internal.dataDir, '-R', '-X', 'stream', '-c', 'fast'], {
      cwd: internal.baseDir,
    })
    // The copied postgresql.conf names the primary's port and socket; startServer appends the
    // standby's own, which win.
    await startServer(internal)
  } catch (error) {
    await standby.stop().catch(() => {})
    throw error
  }
  return { cluster: standby, internal }
}

/** Appends port, socket directory and settings to postgresql.conf, then `pg_ctl -w start`. */
async function startServer(internal) {
  const confFile = join(internal.dataDir, 'postgresql.conf')
  const original = readFileSync(confFile, 'utf8')
  const pidFile = join(internal.dataDir, 'postmaster.pid')
  const logFile = join(internal.baseDir, 'postgres.log')
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const settings = {
      port,
      unix_socket_directories: internal.socketDir,
      listen_addresses: HOST,
      ...internal.settings,
    }
    const lines = Object.entries(settings).map(([key, value]) => `${key} = ${quoteSetting(value)}`)
    writeConfFile(confFile, `${original}\n# authlite test cluster (later lines win)\n${lines.join('\n')}\n`)
    internal.cluster.port = port
    try {
      await pg(['pg_ctl', '-D', internal.dataDir, '-l', logFile, '-w', '-t', '60', 'start'])
      internal.started()
      return
    } catch (error) {
      // Up after all (pg_ctl gave up waiting): it must be stopped with the rest.
      if (existsSync(pidFile)) internal.started()
      const log = logTail(internal)
      if (attempt < 3 && !existsSync(pidFile) && /could not bind|already in use/i.test(log)) {
        continue // the port was taken meanwhile: another one
      }
      error.message += `\nserver log (${logFile}):\n${log}`
      throw error
    }
  }
}

async function waitForSync(primary, standbyInternal, timeoutMs = 30_000) {
  const standby = standbyInternal.cluster
  const deadline = Date.now() + timeoutMs
  let rows = ''
  while (Date.now() < deadline) {
    rows = await primary.psql('SELECT application_name, state, sync_state FROM pg_stat_replication')
    if (/\|streaming\|sync$/m.test(rows.trim())) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(
    `the standby (port ${standby.port}) did not become a synchronous streaming standby of the ` +
      `primary (port ${primary.port}) within ${timeoutMs / 1000} s; pg_stat_replication ` +
      `(application_name|state|sync_state): ${JSON.stringify(rows.trim())}\n` +
      `standby log:\n${logTail(standbyInternal)}`,
  )
}

/** A throwaway CA and a server certificate it signs; returns the ssl settings. */
function makeCertificates(internal) {
  const dir = join(internal.baseDir, 'tls')
  mkdirSync(dir, { mode: 0o755 })
  const file = (name) => join(dir, name)
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const openssl = (...args) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  openssl('req', '-x509', ...newKey, '-keyout', file('ca.key'), '-out', file('ca.crt'),
    '-days', '2', '-subj', '/CN=authlite test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
  openssl('req', ...newKey, '-keyout', file('server.key'), '-out', file('server.csr'),
    '-subj', '/CN=localhost')
  writeFileSync(
    file('server.ext'),
    'basicConstraints=CA:FALSE\n' +
      'keyUsage=critical,digitalSignature,keyEncipherment\n' +
      'extendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:127.0.0.1,DNS:localhost\n',
  )
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-out', file('server.crt'), '-days', '2', '-extfile', file('server.ext'))
  for (const name of ['ca.key', 'ca.srl', 'server.csr', 'server.ext']) rmSync(file(name), { force: true })
  chmodSync(file('ca.crt'), 0o644)
  chmodSync(file('server.crt'), 0o644)
  chmodSync(file('server.key'), 0o600)
  chownToPostgres(file('server.crt'))
  chownToPostgres(file('server.key'))
  internal.cluster.caFile = file('ca.crt')
  internal.cluster.caPem = readFileSync(file('ca.crt'), 'utf8')
  return { ssl: 'on', ssl_cert_file: file('server.crt'), ssl_key_file: file('server.key') }
}

// --- processes --------------------------------------------------------------------------------

/** [file, args] that run a PostgreSQL tool: as the postgres user when this process is root. */
function command([tool, ...args]) {
  const path = join(BIN, tool)
  return asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args]
}

/** The tools' environment: without the caller's libpq variables (PGHOST, PGSSLMODE...). */
function childEnv() {
  const env = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG')) env[key] = value
  }
  env.LC_ALL = 'C'
  return env
}

/** Runs a PostgreSQL tool (in tmpdir, which the postgres user can enter); resolves to output. */
function pg(argv, { cwd = tmpdir(), input = '' } = {}) {
  const [file, args] = command(argv)
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) return resolve({ stdout, stderr })
      const why = signal ?? `exit ${code}`
      const error = new Error(`${argv[0]} failed (${why}): ${stderr.trim() || stdout.trim()}`)
      Object.assign(error, { stdout, stderr })
      reject(error)
    })
    child.stdin.on('error', () => {}) // an early exit closes stdin; the exit code tells why
    child.stdin.end(input)
  })
}

function postmasterPidFile(internal) {
  try {
    return readFileSync(join(internal.dataDir, 'postmaster.pid'), 'utf8').split('\n')
  } catch {
    return null
  }
}

/** The postmaster's pid of a cluster (from its postmaster.pid), if that process is alive. */
export function postmasterPid(internal) {
  const pid = Number(postmasterPidFile(internal)?.[0])
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null
}

/**
 * The live processes of a cluster, from /proc: the postmaster (from postmaster.pid), any
 * process with the data directory on its command line (the postmaster, the shell pg_ctl starts
 * it with, pg_ctl, initdb, pg_basebackup), and their children.
 */
function clusterProcesses(internal) {
  const found = new Set()
  const pid = postmasterPid(internal)
  if (pid !== null) found.add(pid)
  const parents = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = procStat(entry)
    if (stat === null || stat[0] === 'Z') continue
    parents.set(Number(entry), Number(stat[1]))
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      if (OWN_PROGRAMS.has(basename(argv[0])) && argv.some((arg) => arg.includes(internal.dataDir))) {
        found.add(Number(entry))
      }
    } catch {
      // gone meanwhile
    }
  }
  for (let grew = true; grew; ) {
    grew = false
    for (const [child, parent] of parents) {
      if (found.has(parent) && !found.has(child)) {
        found.add(child)
        grew = true
      }
    }
  }
  found.delete(process.pid)
  return [...found]
}

/** [state, ppid, ...] of /proc/<pid>/stat, or null when there is no such process. */
function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null
  }
}

/** Whether a process is running (a zombie waiting for init to reap it is not). */
export function alive(pid) {
  const stat = procStat(pid)
  return stat !== null && stat[0] !== 'Z'
}

/**
 * SIGKILLs the cluster's processes (as a crash would end them) until none is left (10 s at
 * most), then removes the System V shared memory segment a killed postmaster leaves behind.
 */
function killProcesses(internal) {
  const shmid = postmasterPidFile(internal)?.[6]?.trim().split(/\s+/)[1]
  let killed = false
  const deadline = Date.now() + 10_000
  for (let pids; (pids = clusterProcesses(internal)).length > 0 && Date.now() < deadline; ) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
        killed = true
      } catch {
        // gone already
      }
    }
    sleepSync(5)
  }
  if (killed && /^\d+$/.test(shmid ?? '')) {
    try {
      execFileSync('ipcrm', ['-m', shmid], { stdio: 'ignore' })
    } catch {
      // removed already
    }
  }
}

// --- clean-up when the process goes away ----------------------------------------------------

let hooked = false

function ensureExitHooks() {
  if (hooked) return
  hooked = true
  process.on('exit', stopAllSync)
  // A monitor does not change what an uncaught error does; 'exit' follows, this runs first.
  process.on('uncaughtExceptionMonitor', stopAllSync)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const onSignal = () => {
      stopAllSync()
      // When nobody else listens, die of the signal as the process would have without us.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal)
        process.kill(process.pid, signal)
      }
    }
    process.on(signal, onSignal)
  }
}

/** Stops every cluster still running, synchronously (immediate mode), and removes its dirs. */
function stopAllSync() {
  for (const internal of [...running]) {
    try {
      internal.stopSync()
    } catch {
      // go on: the others must be stopped too
    }
  }
}

// --- small helpers ----------------------------------------------------------------------------

/** A port of 127.0.0.1 the OS says is free (listen on 0, read it, close). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, HOST, () => {
      const { port } = server.address()
      server.close(() => {
        if (usedPorts.has(port)) return freePort().then(resolve, reject)
        usedPorts.add(port)
        resolve(port)
      })
    })
  })
}

let postgresIdsCache
function postgresIds() {
  if (postgresIdsCache === undefined) {
    postgresIdsCache = null
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , uid, gid] = line.split(':')
        if (name === 'postgres') postgresIdsCache = { uid: Number(uid), gid: Number(gid) }
      }
    } catch {
      // no passwd file
    }
  }
  return postgresIdsCache
}

function chownToPostgres(path) {
  if (!asRoot) return
  const { uid, gid } = postgresIds()
  chownSync(path, uid, gid)
}

/** Writes a file the server reads, owned by the postgres user. */
function writeConfFile(path, text) {
  writeFileSync(path, text)
  chownToPostgres(path)
}

function quoteSetting(value) {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

function quoteIdent(name) {
  return `"${String(name).replace(/"/g, '""')}"`
}

function logTail(internal, lines = 30) {
  try {
    const log = readFileSync(join(internal.baseDir, 'postgres.log'), 'utf8')
    return log.split('\n').slice(-lines).join('\n')
  } catch {
    return '(no server log)'
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4))
function sleepSync(ms) {
  Atomics.wait(sleepCell, 0, 0, ms)
}
