import NextAuth from 'next-auth'
import { PostgresAdapter, SqliteAdapter } from 'authlite'

export const { handlers, auth, signIn, signOut } = NextAuth({
  // The whole database setup: a local SQLite file, created with its tables on first use. An app
  // that outgrows one machine sets DATABASE_URL and gets the same adapter on PostgreSQL (see
  // "Outgrowing one machine" in the authlite README; `npx authlite copy` moves the users over).
  adapter: process.env.DATABASE_URL
    ? PostgresAdapter({ url: process.env.DATABASE_URL })
    : SqliteAdapter({ path: process.env.AUTH_DB_PATH ?? './auth.db' }),
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
  ],
  // Local example only; a real app sets AUTH_SECRET (`npx auth secret`).
  secret: process.env.AUTH_SECRET ?? 'authlite-example-secret-not-for-production',
  trustHost: true,
})
