import { auth } from '@/auth'

import { SignOutButton } from '../sign-out-button'

// proxy.ts sends signed-out visitors to the sign-in page before this renders.
export default async function Dashboard() {
  const session = await auth()
  return (
    <main>
      <h1>Dashboard</h1>
      <p>
        Only signed-in users see this. You are <strong data-testid="email">{session?.user?.email}</strong>.
      </p>
      <p>Session expires {session?.expires}.</p>
      <SignOutButton />
    </main>
  )
}
