import Link from 'next/link'
import type { ReactNode } from 'react'

import './globals.css'

export const metadata = { title: 'authlite + Next.js', description: 'Auth.js with email and passkey sign-in on authlite' }

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site">
          <Link href="/" className="brand">
            {/* app/icon.svg is also the favicon */}
            <img src="/icon.svg" alt="" width={24} height={24} />
            authlite demo
          </Link>
          <small>Next.js 16 · Auth.js v5</small>
        </header>
        <main>{children}</main>
      </body>
    </html>
  )
}
