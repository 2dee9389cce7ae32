// What the passkey buttons (client components) share.

/** Why passkeys cannot work on this page, or null. Call it in the browser only. */
export function passkeyProblem(): string | null {
  const { hostname, port, protocol } = window.location
  if (/^[\d.]+$|^\[/.test(hostname)) {
    // WebAuthn ties a passkey to a domain name (here the host name): an IP address is refused.
    return `Passkeys need a host name, not an IP address: open ${protocol}//localhost${port ? `:${port}` : ''} instead.`
  }
  if (!window.PublicKeyCredential) return 'This browser cannot use passkeys on this page (they need HTTPS, or localhost).'
  return null
}

/** A message for an error thrown by the browser's passkey prompt. */
export function promptError(error: unknown): string {
  const name = error instanceof Error ? error.name : ''
  if (name === 'NotAllowedError') return 'No passkey was used: the prompt was closed, timed out, or found none for this site.'
  if (name === 'InvalidStateError') return 'This device already holds a passkey for your account.'
  return `The passkey did not work: ${error instanceof Error ? error.message : String(error)}`
}

/** Auth.js's `?error=` codes, as the sign-in page explains them. */
export function signInError(code: string): string {
  switch (code) {
    case 'Verification':
      return 'That sign-in link is no longer valid: it was used already, or it expired. Ask for a new one.'
    case 'WebAuthnVerificationError':
      return 'The passkey could not be verified. Try again, or sign in by email.'
    case 'AccessDenied':
      return 'Access denied.'
    default:
      // Auth.js says no more to the browser; e.g. a passkey whose account was deleted ends here.
      return 'Sign-in failed; the server log says why. (A passkey whose account was deleted ends here too: sign in by email.)'
  }
}
