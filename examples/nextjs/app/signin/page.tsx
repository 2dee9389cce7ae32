import Link from 'next/link'

import { auth, signIn } from '@/auth'

import { signInError } from '../passkeys'
import { PasskeySignIn } from './passkey-sign-in'

type Params = Promise<{ callbackUrl?: string | string[]; error?: string | string[] }>

/** Where to go once signed in: a path on this site (proxy.ts sends one), or the dashboard. */
function safePath(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/dashboard'
}

// Auth.js sends visitors here (pages.signIn in auth.ts), and back here on errors (pages.error).
export default async function SignInPage({ searchParams }: { searchParams: Params }) {
  const params = await searchParams
  const redirectTo = safePath(params.callbackUrl)
  const error = typeof params.error === 'string' ? signInError(params.error) : null
  const session = await auth()

  return (
    <>
      <h1>Sign in</h1>
      {error && (
        <p className="error" data-testid="error">
          {error}
        </p>
      )}
      {session?.user ? (
        <>
          <p>
            You are signed in as <strong>{session.user.email}</strong>.
          </p>
          <div className="actions">
            <Link className="button" href="/dashboard">
              Dashboard
            </Link>
          </div>
        </>
      ) : (
        <>
          <form
            action={async (formData) => {
              'use server'
              await signIn('email', { email: String(formData.get('email')), redirectTo })
            }}
          >
            <label htmlFor="email">Email</label>
            <input id="email" type="email" name="email" placeholder="you@example.com" autoComplete="email" required />
            <button className="button wide" type="submit">
              Email me a sign-in link
            </button>
          </form>
          <p className="muted">New here? Any address works: the first link you open creates your account.</p>
          <div className="or">or</div>
          <PasskeySignIn redirectTo={redirectTo} />
          <p className="muted">Add a passkey on the dashboard once you are signed in, then use it here.</p>
        </>
      )}
    </>
  )
}
