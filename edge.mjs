// authlite for Edge and worker runtimes, for `import`: the same objects as `edge.js`.
import authlite from './edge.js'

export const { SqliteAdapter, PostgresAdapter, openAuthDatabase, AuthDatabase, PostgresDatabase } = authlite
export default authlite
