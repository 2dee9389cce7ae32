'use client'

import { signIn } from 'next-auth/webauthn'
import { useEffect, useState } from 'react'

import { passkeyProblem, promptError, signInError } from '../passkeys'

/** "Sign in with a passkey": the browser offers the passkeys it holds for this site. */
export function PasskeySignIn({ redirectTo }: { redirectTo: string }) {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  useEffect(() => setProblem(passkeyProblem()), [])

  async function onClick() {
    setBusy(true)
    setProblem(null)
    try {
      const result = await signIn('passkey', { redirect: false, redirectTo })
      if (result?.ok && result.url) {
        window.location.assign(result.url) // signed in
        return
      }
      setProblem(result?.error ? signInError(result.error) : 'The server refused to start a passkey sign-in.')
    } catch (error) {
      setProblem(promptError(error))
    }
    setBusy(false)
  }

  return (
    <>
      <button className="button secondary wide" type="button" onClick={onClick} disabled={busy}>
        Sign in with a passkey
      </button>
      {problem && (
        <p className="error" data-testid="error">
          {problem}
        </p>
      )}
    </>
  )
}
