import Link from 'next/link'

// Where Auth.js sends the browser after "Email me a sign-in link" (pages.verifyRequest in auth.ts).
export default function VerifyRequest() {
  return (
    <>
      <h1>Check the terminal</h1>
      <p>
        This example sends no email: your sign-in link is printed in the terminal where the server
        runs (<code>npm run demo</code>), on a line like
      </p>
      <pre>[auth] Magic link for you@example.com: http://localhost:3000/api/auth/callback/email?…</pre>
      <p>Open it in this browser to be signed in here. It works once, within 24 hours.</p>
      <p className="muted">
        A real app mails it instead: replace <code>sendVerificationRequest</code> in <code>auth.ts</code> with a mail
        provider such as Resend or Nodemailer.
      </p>
      <div className="actions">
        <Link className="button secondary" href="/signin">
          Back to sign-in
        </Link>
      </div>
    </>
  )
}
