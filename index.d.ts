// Types of the authlite package. They are structural copies of the Auth.js adapter types, so
// `SqliteAdapter(...)` is assignable to `Adapter` from `@auth/core/adapters` (and next-auth's)
// without authlite depending on either.

import { AuthDatabase, AuthDatabaseOptions, PostgresDatabase, PostgresDatabaseOptions } from './binding'

export {
  AccountSummary,
  AuthDatabase,
  AuthDatabaseOptions,
  BackupProgress,
  BackupResult,
  CopyProgress,
  CopyResult,
  DatabaseStats,
  DeletedExpired,
  IntegrityReport,
  PasskeySummary,
  PostgresDatabase,
  PostgresDatabaseOptions,
  ProviderCount,
  Reencrypted,
  RemovedUser,
  UserDetails,
  UserSummary,
} from './binding'

/** A user as authlite returns it: the columns, then any extra fields you stored. */
export interface AdapterUser {
  id: string
  name?: string | null
  /** `null` only for users created without an email (some OAuth providers give none). */
  email: string
  emailVerified: Date | null
  image?: string | null
  /** Extra fields (`role`, `phone`, ...) come back as they were stored (JSON). */
  [field: string]: unknown
}

/** The argument of `createUser`: `id` is kept when given, a UUID is made otherwise. */
export interface AdapterUserInput {
  id?: string
  name?: string | null
  email?: string | null
  emailVerified?: Date | null
  image?: string | null
  [field: string]: any
}

/** The argument of `updateUser`: the id and the fields to change (`null` clears one). */
export interface AdapterUserPatch extends Partial<AdapterUserInput> {
  id: string
}

/**
 * A provider account. Provider-specific fields (`refresh_token_expires_in`, ...) are kept.
 *
 * Token fields authlite has no value for read back as `null` (as from every SQL adapter),
 * though Auth.js's `Account` type declares them optional: test them with `== null`.
 */
export interface AdapterAccount {
  userId: string
  type: 'oauth' | 'oidc' | 'email' | 'webauthn'
  provider: string
  providerAccountId: string
  refresh_token?: string
  access_token?: string
  /** Seconds since the epoch. */
  expires_at?: number
  token_type?: Lowercase<string>
  scope?: string
  id_token?: string
  session_state?: string
  [field: string]: any
}

/** Names one account: `getUserByAccount` and `unlinkAccount` take it. */
export interface AccountKey {
  provider: string
  providerAccountId: string
}

/** A database session. `sessionToken` is the token itself (the database stores its hash). */
export interface AdapterSession {
  sessionToken: string
  userId: string
  expires: Date
}

/** The argument of `updateSession`. */
export interface AdapterSessionPatch {
  sessionToken: string
  userId?: string
  expires?: Date
}

/** A magic-link token (Auth.js hashes it before the adapter sees it). */
export interface VerificationToken {
  identifier: string
  token: string
  expires: Date
}

/** A WebAuthn credential (passkey). */
export interface AdapterAuthenticator {
  credentialID: string
  userId: string
  providerAccountId: string
  credentialPublicKey: string
  counter: number
  credentialDeviceType: string
  credentialBackedUp: boolean
  transports?: string | null
}

/**
 * The Auth.js adapter authlite returns: every method of `Adapter` from `@auth/core/adapters`
 * (and `next-auth/adapters`), each an async function that works when called unbound.
 */
export interface SqliteAdapterMethods {
  createUser(user: AdapterUserInput): Promise<AdapterUser>
  getUser(id: string): Promise<AdapterUser | null>
  getUserByEmail(email: string): Promise<AdapterUser | null>
  getUserByAccount(account: AccountKey): Promise<AdapterUser | null>
  updateUser(user: AdapterUserPatch): Promise<AdapterUser>
  deleteUser(userId: string): Promise<AdapterUser | null>
  linkAccount(account: AdapterAccount): Promise<AdapterAccount>
  /** Resolves to the unlinked account, or `undefined` when there was none (Auth.js's type). */
  unlinkAccount(account: AccountKey): Promise<AdapterAccount | undefined>
  createSession(session: AdapterSession): Promise<AdapterSession>
  getSessionAndUser(sessionToken: string): Promise<{ session: AdapterSession; user: AdapterUser } | null>
  updateSession(session: AdapterSessionPatch): Promise<AdapterSession | null>
  deleteSession(sessionToken: string): Promise<AdapterSession | null>
  createVerificationToken(verificationToken: VerificationToken): Promise<VerificationToken>
  useVerificationToken(params: { identifier: string; token: string }): Promise<VerificationToken | null>
  getAccount(providerAccountId: string, provider: string): Promise<AdapterAccount | null>
  createAuthenticator(authenticator: AdapterAuthenticator): Promise<AdapterAuthenticator>
  getAuthenticator(credentialID: string): Promise<AdapterAuthenticator | null>
  listAuthenticatorsByUserId(userId: string): Promise<AdapterAuthenticator[]>
  updateAuthenticatorCounter(credentialID: string, newCounter: number): Promise<AdapterAuthenticator>
}

/**
 * The Auth.js adapter on a SQLite file: `NextAuth({ adapter: SqliteAdapter({ path: "./auth.db" }) })`.
 *
 * Takes a path (`SqliteAdapter("./auth.db")`), options, or a database opened with
 * `openAuthDatabase`. Opens the file (creating it and its tables) right away, so a bad path
 * or option throws here, at startup; every adapter method then returns a promise and never
 * throws. Default path: `./auth.db`. Called again for the same file in one process (a dev
 * server reloading `auth.ts`), however the path and options are spelled, it reuses the
 * database it already opened; other options for that file throw `AUTHLITE_INVALID_INPUT`.
 *
 * On an Edge or worker runtime (Next.js `middleware.ts` on Edge) the package resolves to a build
 * without the native addon: this returns the same 19 methods, each rejecting with
 * `AUTHLITE_EDGE_RUNTIME` and how to move the code to Node.js, so an import that is never
 * called (JWT sessions) does no harm.
 */
export declare function SqliteAdapter(database?: string | AuthDatabaseOptions | AuthDatabase): SqliteAdapterMethods

/**
 * Opens an authlite database for what the Adapter interface does not cover:
 * `deleteExpired()` and `close()`. Share it with Auth.js through `SqliteAdapter(db)`.
 */
export declare function openAuthDatabase(options?: string | AuthDatabaseOptions): AuthDatabase
/**
 * With `{ url }` (or a `postgres://` URL string): opens a PostgreSQL database, for
 * `deleteExpired()`, `ready()` and `close()`; share it with Auth.js through `PostgresAdapter(db)`.
 */
export declare function openAuthDatabase(options: PostgresDatabaseOptions | `postgres://${string}` | `postgresql://${string}`): PostgresDatabase

/**
 * The Auth.js adapter on PostgreSQL: `NextAuth({ adapter: PostgresAdapter({ url: process.env.DATABASE_URL }) })`.
 *
 * The same 19 methods, results and errors as `SqliteAdapter`, on the tables of
 * @auth/drizzle-adapter's PostgreSQL schema (created or migrated on the first call). Takes a
 * URL, options, or a database from `openAuthDatabase({ url })`. A multi-host URL
 * (`postgres://u:p@h1,h2/db?target_session_attrs=read-write`) follows a failover: calls under
 * way when the primary goes reject with `AUTHLITE_UNAVAILABLE` (retryable), later calls reach
 * the new primary. Called again with the same options in one process, it reuses the pool.
 */
export declare function PostgresAdapter(database: string | PostgresDatabaseOptions | PostgresDatabase): SqliteAdapterMethods
