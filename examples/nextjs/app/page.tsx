import Link from 'next/link'

import { auth } from '@/auth'

import { SignOutButton } from './sign-out-button'

export default async function Home() {
  const session = await auth()
  return (
    <>
      <h1>authlite + Next.js</h1>
      <p>
        A Next.js app using Auth.js with email and passkey sign-in. Its users, sessions and passkeys
        live in one local SQLite file through authlite: no database server, no migrations (or in
        PostgreSQL, with <code>DATABASE_URL</code> set).
      </p>
      {session?.user ? (
        <>
          <p>
            Signed in as <strong data-testid="email">{session.user.email}</strong>.
          </p>
          <div className="actions">
            <Link className="button" href="/dashboard">
              Dashboard
            </Link>
            <SignOutButton />
          </div>
        </>
      ) : (
        <>
          <h2>Try it</h2>
          <ol className="steps">
            <li>Sign in with your email: the link is printed in the terminal, not mailed.</li>
            <li>On the dashboard, add a passkey.</li>
            <li>Sign out, then sign back in with the passkey.</li>
          </ol>
          <p className="muted" data-testid="signed-out">
            You are signed out.
          </p>
          <div className="actions">
            <Link className="button" href="/signin">
              Sign in
            </Link>
          </div>
        </>
      )}
    </>
  )
}
