import { basename } from 'node:path'

import Link from 'next/link'

import { adapter, auth } from '@/auth'

import { SignOutButton } from '../sign-out-button'
import { AddPasskey } from './add-passkey'

/** "in 30 days", "in 5 hours", "in 3 minutes": how far `date` is from now, in words. */
function inWords(date: Date): string {
  const seconds = (date.getTime() - Date.now()) / 1000
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })
  for (const [unit, size] of [['day', 86_400], ['hour', 3_600], ['minute', 60]] as const) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit)
  }
  return format.format(Math.round(seconds), 'second')
}

// proxy.ts sends signed-out visitors to the sign-in page before this renders.
export default async function Dashboard() {
  const session = await auth()
  if (!session?.user?.id) return null
  // What Auth.js has no call for, the adapter answers directly: this user's passkeys.
  const passkeys = await adapter.listAuthenticatorsByUserId(session.user.id)
  const expires = new Date(session.expires)

  return (
    <>
      <h1>Dashboard</h1>
      <p>
        Signed in as <strong data-testid="email">{session.user.email}</strong>. Only signed-in users see this page:
        proxy.ts checks the session in the database first.
      </p>
      <dl>
        <dt>User ID</dt>
        <dd>
          <code>{session.user.id}</code>
        </dd>
        <dt>Session expires</dt>
        <dd data-testid="expires" title={expires.toUTCString()}>
          {inWords(expires)}
        </dd>
        <dt>Stored in</dt>
        <dd>
          {process.env.DATABASE_URL ? 'PostgreSQL' : `SQLite, ${basename(process.env.AUTH_DB_PATH ?? 'auth.db')}`}
        </dd>
      </dl>

      <h2>Passkeys</h2>
      {passkeys.length === 0 ? (
        <p className="muted" data-testid="no-passkeys">
          None yet. Add one to sign in next time without waiting for a link.
        </p>
      ) : (
        <ul className="list">
          {passkeys.map((passkey) => (
            <li key={passkey.credentialID} data-testid="passkey">
              <strong>Passkey …{passkey.credentialID.replace(/=+$/, '').slice(-8)}</strong>{' '}
              <span className="muted">
                · {passkey.credentialDeviceType === 'multiDevice' ? 'synced' : 'this device only'} · counter{' '}
                <span data-testid="counter">{passkey.counter}</span>
              </span>
            </li>
          ))}
        </ul>
      )}
      {passkeys.length > 0 && (
        <p className="muted">
          The authenticator raises its counter each time the passkey is used (synced passkeys keep it at 0).
        </p>
      )}
      <AddPasskey />

      <div className="actions">
        <Link className="button secondary" href="/">
          ← Home
        </Link>
        <SignOutButton />
      </div>
    </>
  )
}
