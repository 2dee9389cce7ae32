// Type-checked by `tsc -p __test__` in `npm test` (strict, no casts): what SqliteAdapter returns
// is an Auth.js `Adapter`, and misuse is a type error.

import { Auth, type AuthConfig } from '@auth/core'
import type { Adapter } from '@auth/core/adapters'

import {
  SqliteAdapter,
  openAuthDatabase,
  type AdapterAccount,
  type AdapterSession,
  type AdapterUser,
  type AuthDatabase,
  type BackupResult,
  type Reencrypted,
  type DeletedExpired,
  type SqliteAdapterMethods,
} from '../index.js'

const fromOptions: Adapter = SqliteAdapter({ path: './auth.db', hashSessionTokens: true, busyTimeoutMs: 2000 })
const fromPath: Adapter = SqliteAdapter('./auth.db')
const withDefaults: Adapter = SqliteAdapter()

const db: AuthDatabase = openAuthDatabase({ path: ':memory:' })
const fromHandle: Adapter = SqliteAdapter(db)
const purged: Promise<DeletedExpired> = db.deleteExpired()
export const copied: Promise<BackupResult> = db.backup('./backup.db')
export const rotated: Promise<Reencrypted> = db.reencrypt()
export const encrypted: Adapter = SqliteAdapter({ path: './enc.db', encryptionKey: ['a new secret of at least 32 characters', 'the old one'] })
db.close()

const config: AuthConfig = {
  adapter: SqliteAdapter({ path: './auth.db' }),
  providers: [],
  session: { strategy: 'database' },
}
export const handler = (request: Request): Promise<Response> => Auth(request, config)

// Results carry the Auth.js types, custom fields included.
export async function reads(): Promise<void> {
  const adapter = SqliteAdapter(':memory:')
  const user: AdapterUser | null = await adapter.getUser('id')
  const role: unknown = user?.role
  const found = await adapter.getSessionAndUser('token')
  const expires: Date | undefined = found?.session.expires
  void [role, expires]
}

// Exact result types of the methods that can find nothing (types-truth.test.mjs checks the
// same declarations against what they resolve to at run time).
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
type Result<M extends keyof SqliteAdapterMethods> = Awaited<ReturnType<SqliteAdapterMethods[M]>>
const exact = <T extends true>(): T | undefined => undefined
exact<Equal<Result<'unlinkAccount'>, AdapterAccount | undefined>>()
exact<Equal<Result<'getAccount'>, AdapterAccount | null>>()
exact<Equal<Result<'deleteUser'>, AdapterUser | null>>()
exact<Equal<Result<'deleteSession'>, AdapterSession | null>>()
exact<Equal<Result<'updateSession'>, AdapterSession | null>>()
// @ts-expect-error: unlinkAccount resolves undefined for none, not null
exact<Equal<Result<'unlinkAccount'>, AdapterAccount | null>>()

// @ts-expect-error: misspelled option
SqliteAdapter({ hashSessionToken: false })
// @ts-expect-error: wrong option type
SqliteAdapter({ busyTimeoutMs: '5s' })
export const durable: Adapter = SqliteAdapter({ path: './durable.db', synchronous: 'full', cleanupIntervalMs: 3_600_000 })
// @ts-expect-error: synchronous is "normal" or "full"
SqliteAdapter({ synchronous: 'fast' })

export { fromOptions, fromPath, withDefaults, fromHandle, purged }
