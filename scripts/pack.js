'use strict'

// `npm run pack`: the tarballs `npm publish` would upload, into dist/: the main package and a
// platform package for every addon built here (on this machine, linux-x64-gnu). The release
// workflow does the same for every target.

const { execFileSync } = require('node:child_process')
const { copyFileSync, existsSync, mkdirSync, readdirSync } = require('node:fs')
const { join, resolve } = require('node:path')

const root = join(__dirname, '..')

/** Packs into `outDir`; returns the tarball paths, the main package's first. */
function pack(outDir = join(root, 'dist')) {
  const out = resolve(outDir)
  mkdirSync(out, { recursive: true })
  const npmPack = (dir) =>
    join(out, JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: dir, encoding: 'utf8' }))[0].filename)
  const tarballs = [npmPack(root)]
  for (const addon of readdirSync(root).filter((f) => /^authlite\..+\.node$/.test(f))) {
    const platform = addon.split('.')[1]
    const dir = join(root, 'npm', platform)
    if (!existsSync(dir)) throw new Error(`authlite: built ${addon}, but there is no npm/${platform} package for it`)
    copyFileSync(join(root, addon), join(dir, addon))
    tarballs.push(npmPack(dir))
  }
  return tarballs
}

module.exports = { pack }

if (require.main === module) for (const tarball of pack(process.argv[2])) console.log(tarball)
