import NextAuth from 'next-auth'
import Passkey from 'next-auth/providers/passkey'
import { PostgresAdapter, SqliteAdapter } from 'authlite'

// The whole database setup: a local SQLite file, created with its tables on first use. An app
// that outgrows one machine sets DATABASE_URL and gets the same adapter on PostgreSQL (see
// "Outgrowing one machine" in the authlite README; `npx authlite copy` moves the users over).
// Exported so that server components can read what Auth.js has no call for (the dashboard lists
// the user's passkeys with it).
export const adapter = process.env.DATABASE_URL
  ? PostgresAdapter({ url: process.env.DATABASE_URL })
  : SqliteAdapter({ path: process.env.AUTH_DB_PATH ?? './auth.db' })

const warned = new Set<string>()

export const { handlers, auth, signIn, signOut } = NextAuth({
  adapter,
  session: { strategy: 'database' },
  providers: [
    {
      // Email sign-in that prints the magic link to the server log instead of sending mail.
      // In production use a mail provider (Resend, Nodemailer, ...) with the same adapter.
      id: 'email',
      type: 'email',
      name: 'Email',
      maxAge: 24 * 60 * 60,
      async sendVerificationRequest({ identifier, url }) {
        console.log(`[auth] Magic link for ${identifier}: ${url}`)
      },
    },
    // Passkeys (WebAuthn): a signed-in user adds one on the dashboard, then signs in with it.
    // The adapter keeps them in its authenticators table; deleting the user deletes them.
    Passkey,
  ],
  // Passkey support is experimental in Auth.js, which warns so on every request; once will do
  // (once per server bundle that imports this file: Next makes a few).
  experimental: { enableWebAuthn: true },
  logger: {
    warn(code) {
      if (code === 'experimental-webauthn' && warned.has(code)) return
      warned.add(code)
      console.warn(`[auth][warn][${code}] Read more: https://warnings.authjs.dev#${code}`)
    },
  },
  // The example's own pages instead of Auth.js's built-in ones. Errors (an expired link, a
  // passkey nobody owns any more) come back to the sign-in page with `?error=`.
  pages: { signIn: '/signin', verifyRequest: '/verify-request', error: '/signin' },
  // Local example only; a real app sets AUTH_SECRET (`npx auth secret`).
  secret: process.env.AUTH_SECRET ?? 'authlite-example-secret-not-for-production',
  trustHost: true,
})
