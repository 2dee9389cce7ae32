// Package entry for `import`: the same objects as the CommonJS entry.
import authlite from './index.js'

export const { SqliteAdapter, PostgresAdapter, openAuthDatabase, AuthDatabase, PostgresDatabase } = authlite
export default authlite
