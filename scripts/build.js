'use strict'

// `npm run build [-- --target <rust triple>]`: the release addon, its loader (binding.js) and
// types (binding.d.ts). Linux targets are built on Linux with zig (cargo-zigbuild, from PyPI via
// scripts/tools.js): glibc targets against glibc 2.17, as napi-rs's official builds are, so the
// addon loads on old distributions, Vercel and AWS Lambda; musl targets statically. Other
// targets are plain cargo builds. AUTHLITE_HOST_BUILD=1 skips zig for a quick local build.

const { execFileSync } = require('node:child_process')
const { delimiter, join } = require('node:path')

const { ensureTools } = require('./tools')

const root = join(__dirname, '..')
const napi = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'napi.cmd' : 'napi')
const argv = process.argv.slice(2)
const targetAt = argv.indexOf('--target')
const explicit = targetAt >= 0 ? argv.splice(targetAt, 2)[1] : undefined
const hostGlibc = Boolean(process.report?.getReport().header.glibcVersionRuntime)
const hostTarget = process.platform === 'linux' && process.arch === 'x64' && hostGlibc ? 'x86_64-unknown-linux-gnu' : undefined
const target = explicit ?? hostTarget

const args = ['build', '--platform', '--release', '--js', 'binding.js', '--dts', 'binding.d.ts', ...argv]
const env = { ...process.env }
const viaZig = process.platform === 'linux' && /-linux-(gnu|musl)$/.test(target ?? '') && env.AUTHLITE_HOST_BUILD !== '1'
if (viaZig) {
  env.PATH = `${ensureTools()}${delimiter}${env.PATH}`
  args.push('--cross-compile', '--target', target.endsWith('-gnu') ? `${target}.2.17` : target)
} else if (explicit) {
  args.push('--target', explicit)
}

execFileSync(napi, args, { cwd: root, env, stdio: 'inherit', shell: process.platform === 'win32' })
