// `tsc -p compat/next-auth-v4` (in `npm test`, strict, no casts): SqliteAdapter(...) is a
// next-auth v4 `Adapter` and fits v4's `NextAuthOptions`.

import type { NextAuthOptions } from 'next-auth'
import type { Adapter } from 'next-auth/adapters'

import { SqliteAdapter } from '../../index.js'

export const adapter: Adapter = SqliteAdapter({ path: './auth.db' })

export const authOptions: NextAuthOptions = {
  adapter: SqliteAdapter('./auth.db'),
  providers: [],
  session: { strategy: 'database' },
}
