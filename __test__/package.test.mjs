// The package as npm ships it: the linux-x64-gnu binary loads on glibc 2.17, the tarballs have
// no install scripts, and installed into an empty project they load from CommonJS and ESM and
// sign a user in through @auth/core. When the binary cannot load, the error says why and what to do:
// an unsupported platform, a missing or broken binary, a bundled loader, a runtime that is not Node.js.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('..', import.meta.url))
const { pack } = require('../scripts/pack.js')
const isLinuxGnuX64 = process.platform === 'linux' && process.arch === 'x64' && Boolean(process.report.getReport().header.glibcVersionRuntime)
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare']

/** The highest GLIBC_x.y symbol version an ELF file needs (from `objdump -T`). */
function highestGlibc(file) {
  const versions = execFileSync('objdump', ['-T', file], { encoding: 'utf8' }).match(/GLIBC_[0-9.]+/g) ?? []
  const parse = (v) => v.slice(6).split('.').map(Number)
  return versions.map(parse).sort((a, b) => a[0] - b[0] || (a[1] ?? 0) - (b[1] ?? 0)).at(-1)?.join('.')
}

test('the linux-x64-gnu addon needs glibc 2.17 at most', { skip: !isLinuxGnuX64 && 'linux x64 glibc only' }, () => {
  const highest = highestGlibc(join(root, 'authlite.linux-x64-gnu.node'))
  assert.ok(highest, 'objdump found GLIBC symbol versions')
  const [major, minor] = highest.split('.').map(Number)
  assert.ok(major === 2 && minor <= 17, `needs GLIBC_${highest}`)
})

/** Runs `script` with node in `cwd`; returns what it wrote to stderr (it is expected to fail). */
function failureOf(script, cwd = root) {
  try {
    execFileSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8', stdio: 'pipe' })
  } catch (err) {
    return err.stderr
  }
  assert.fail(`expected ${script} to fail`)
}

test('an unsupported platform gets AUTHLITE_NO_BINARY naming the supported ones', () => {
  const stderr = failureOf("Object.defineProperty(process, 'platform', { value: 'aix' }); require('./index.js')")
  assert.match(stderr, /authlite: there is no prebuilt binary for aix-x64\. authlite ships binaries for linux-x64-gnu, .*darwin-arm64, .*win32-x64-msvc/)
  assert.match(stderr, /code: 'AUTHLITE_NO_BINARY'/)
})

test('a runtime without process.platform is told authlite needs Node.js, not to reinstall', () => {
  const stderr = failureOf("Object.defineProperty(process, 'platform', { value: undefined }); require('./index.js')")
  assert.match(stderr, /authlite: this is not Node\.js \(there is no process\.platform\)/)
  assert.match(stderr, /`edge-light`, `workerd` or `worker` export conditions/)
  assert.match(stderr, /code: 'AUTHLITE_UNSUPPORTED_RUNTIME'/)
  assert.doesNotMatch(stderr, /reinstall|AUTHLITE_NO_BINARY/i)
})

test('a loader that a bundler moved away from its package is told to mark authlite external', () => {
  // What a bundle looks like to the loader: its code runs from the output directory, with no
  // authlite package.json and no binary beside it.
  const out = mkdtempSync(join(tmpdir(), 'authlite-bundle-'))
  try {
    for (const file of ['load-binding.js', 'binding.js']) copyFileSync(join(root, file), join(out, file))
    const stderr = failureOf("require('./load-binding.js')", out)
    assert.match(stderr, /authlite: authlite was bundled by a bundler, so its native binary is not where the loader looks/)
    assert.match(stderr, /serverExternalPackages: \["authlite"\]/)
    assert.match(stderr, /code: 'AUTHLITE_BUNDLED'/)
    assert.doesNotMatch(stderr, /AUTHLITE_NO_BINARY/)
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
})

describe('the packed tarballs, installed into an empty project', { skip: !isLinuxGnuX64 && 'linux x64 glibc only' }, () => {
  const work = mkdtempSync(join(tmpdir(), 'authlite-pack-'))
  after(() => rmSync(work, { recursive: true, force: true }))
  const project = join(work, 'consumer')
  let tarballs

  test('npm pack yields the main package and the linux-x64-gnu package, with no install scripts', () => {
    tarballs = pack(join(work, 'dist'))
    assert.deepEqual(tarballs.map((t) => t.split('/').at(-1)), ['authlite-0.1.0.tgz', 'authlite-linux-x64-gnu-0.1.0.tgz'])
    const manifest = (tgz) => JSON.parse(execFileSync('tar', ['-xzOf', tgz, 'package/package.json'], { encoding: 'utf8' }))
    const files = (tgz) => execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n').sort()
    const [main, platform] = tarballs
    for (const tgz of tarballs) {
      const scripts = manifest(tgz).scripts ?? {}
      assert.deepEqual(INSTALL_SCRIPTS.filter((s) => s in scripts), [], `${tgz} has no install scripts`)
    }
    assert.ok(!files(main).some((f) => f.endsWith('.node')), 'the main package carries no binary')
    assert.ok(files(main).includes('package/index.d.ts'))
    assert.deepEqual(files(platform), ['package/README.md', 'package/authlite.linux-x64-gnu.node', 'package/package.json'])
    assert.deepEqual(
      (({ os, cpu, libc }) => ({ os, cpu, libc }))(manifest(platform)),
      { os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
    )
  })

  test('they install with nothing compiled, load from CommonJS and ESM, and sign a user in', () => {
    assert.ok(tarballs, 'packed')
    execFileSync('mkdir', ['-p', project])
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
    const authCore = JSON.parse(readFileSync(join(root, 'node_modules', '@auth', 'core', 'package.json'), 'utf8')).version
    const log = execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, `@auth/core@${authCore}`],
      { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    )
    assert.doesNotMatch(log, /install-scripts|gyp|cargo/i)

    const cjs = execFileSync(process.execPath, ['-e', "const a = require('authlite'); console.log(Object.keys(a.SqliteAdapter(':memory:')).length)"], {
      cwd: project,
      encoding: 'utf8',
    })
    assert.equal(cjs.trim(), '19')

    copyFileSync(join(root, '__test__', 'auth-client.mjs'), join(project, 'auth-client.mjs'))
    copyFileSync(join(root, '__test__', 'fixtures', 'consumer-signin.mjs'), join(project, 'signin.mjs'))
    const result = JSON.parse(execFileSync(process.execPath, ['signin.mjs'], { cwd: project, encoding: 'utf8' }))
    assert.equal(result.email, 'consumer@example.com')
    assert.equal(result.binary, 'authlite-linux-x64-gnu')
    assert.ok(result.loadedFrom.startsWith(join(project, 'node_modules', 'authlite')), result.loadedFrom)
    assert.ok(readFileSync(join(project, 'consumer.db')).length > 0)
  })

  test('a missing platform package gets the reinstall advice; a broken binary says why it failed', () => {
    assert.ok(tarballs, 'packed')
    const broken = join(work, 'broken')
    cpSync(project, broken, { recursive: true })
    const binary = join(broken, 'node_modules', 'authlite-linux-x64-gnu', 'authlite.linux-x64-gnu.node')
    writeFileSync(binary, 'not an ELF file')
    const corrupt = failureOf("require('authlite')", broken)
    assert.match(corrupt, /authlite: the binary for linux-x64-gnu is installed but Node\.js could not load it: .*(invalid ELF header|file too short)/)
    assert.match(corrupt, /code: 'AUTHLITE_BINARY_LOAD_FAILED'/)

    rmSync(join(broken, 'node_modules', 'authlite-linux-x64-gnu'), { recursive: true })
    const missing = failureOf("require('authlite')", broken)
    assert.match(missing, /authlite: the binary for linux-x64-gnu \(the optional dependency authlite-linux-x64-gnu\) is not installed\. Reinstall without --omit=optional/)
    assert.match(missing, /code: 'AUTHLITE_NO_BINARY'/)
  })
})
