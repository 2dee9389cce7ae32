import Link from 'next/link'

import { auth, signIn } from '@/auth'

import { SignOutButton } from './sign-out-button'

export default async function Home() {
  const session = await auth()
  if (session?.user) {
    return (
      <main>
        <h1>authlite + Next.js</h1>
        <p>
          Signed in as <strong data-testid="email">{session.user.email}</strong>.
        </p>
        <p>
          <Link href="/dashboard">Dashboard</Link>
        </p>
        <SignOutButton />
      </main>
    )
  }
  return (
    <main>
      <h1>authlite + Next.js</h1>
      <p data-testid="signed-out">You are signed out.</p>
      <form
        action={async (formData) => {
          'use server'
          await signIn('email', { email: String(formData.get('email')), redirectTo: '/dashboard' })
        }}
      >
        <input type="email" name="email" placeholder="you@example.com" required />{' '}
        <button type="submit">Email me a sign-in link</button>
      </form>
      <p>The link is printed in the server log, not mailed.</p>
    </main>
  )
}
