// What the end-to-end tests share: Debian's Chromium as playwright-core drives it here, when
// those tests can run at all, and a free port for each server.

import { existsSync } from 'node:fs'
import { createServer } from 'node:net'

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Flags for root in a sandbox with no network but loopback (nothing phones home). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

const isLinuxGnuX64 = process.platform === 'linux' && process.arch === 'x64' && Boolean(process.report.getReport().header.glibcVersionRuntime)

/**
 * Why a browser test cannot run here, or `false`. Skipped only where it cannot run: in CI a
 * missing Chromium is a failure, not a skip.
 */
export const browserSkip = !isLinuxGnuX64
  ? 'needs the linux-x64-gnu tarball'
  : !existsSync(CHROMIUM) && !process.env.CI
    ? `no Chromium at ${CHROMIUM} (apt-get install chromium)`
    : false

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}
