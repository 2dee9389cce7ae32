// CPU time of the PostgreSQL server from /proc (Linux): the postmaster and its child processes
// (a backend per connection, plus the background processes), with the exited children the
// postmaster has reaped. Sampled by the worker around each timed run, so the server's CPU time
// per operation shows beside the client's.

import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

let tickUs // µs per clock tick, read on first use

/** Fields of /proc/<pid>/stat from the state on (index 0: state, 1: ppid, 11: utime...), or null. */
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null // gone
  }
}

/** CPU microseconds used so far by process `pid` and its children (utime + stime, and cutime + cstime of `pid`). */
export function treeCpuUs(pid) {
  const own = stat(pid)
  if (!own) return NaN
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const child = stat(entry)
    if (child?.[1] === String(pid)) ticks += Number(child[11]) + Number(child[12])
  }
  tickUs ??= 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }))
  return ticks * tickUs
}
