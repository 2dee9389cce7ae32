// `tsc -p compat/next-auth-v5` (in `npm test`, strict, no casts): the one-line setup of the
// README type-checks with next-auth v5 and with @auth/core's Auth().

import { Auth, type AuthConfig } from '@auth/core'
import NextAuth from 'next-auth'

import { SqliteAdapter, openAuthDatabase } from '../../index.js'

export const { handlers, auth, signIn, signOut } = NextAuth({
  adapter: SqliteAdapter({ path: './auth.db' }),
  providers: [],
})

const db = openAuthDatabase({ path: './auth.db', hashSessionTokens: true })
const config: AuthConfig = { adapter: SqliteAdapter(db), providers: [], session: { strategy: 'database' } }
export const handler = (request: Request): Promise<Response> => Auth(request, config)
