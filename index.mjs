// Package entry for `import`: the same objects as the CommonJS entry.
import authlite from './index.js'

export const { SqliteAdapter, openAuthDatabase, AuthDatabase } = authlite
export default authlite
