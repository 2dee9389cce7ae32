'use client'

import { useRouter } from 'next/navigation'
import { signIn } from 'next-auth/webauthn'
import { useEffect, useState } from 'react'

import { passkeyProblem, promptError, signInError } from '../passkeys'

/** "Add a passkey": the browser creates one for the signed-in user; Auth.js stores it. */
export function AddPasskey() {
  const router = useRouter()
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  useEffect(() => setProblem(passkeyProblem()), [])

  async function onClick() {
    setBusy(true)
    setProblem(null)
    try {
      // Signed in, `action: "register"` adds a passkey to this user instead of signing in.
      const result = await signIn('passkey', { action: 'register', redirect: false })
      if (result?.error || !result?.ok) {
        setProblem(result?.error ? signInError(result.error) : 'The server refused to start adding a passkey.')
      } else {
        router.refresh() // the list above is read on the server
      }
    } catch (error) {
      setProblem(promptError(error))
    }
    setBusy(false)
  }

  return (
    <>
      <button className="button" type="button" onClick={onClick} disabled={busy}>
        Add a passkey
      </button>
      {problem && (
        <p className="error" data-testid="error">
          {problem}
        </p>
      )}
    </>
  )
}
