// authlite for Edge and worker runtimes, for `import`: the same objects as `edge.js`.
import authlite from './edge.js'

export const { SqliteAdapter, openAuthDatabase, AuthDatabase } = authlite
export default authlite
