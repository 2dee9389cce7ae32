import type { ReactNode } from 'react'

export const metadata = { title: 'authlite + Next.js' }

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ font: '16px system-ui, sans-serif', maxWidth: '40rem', margin: '4rem auto', padding: '0 1rem' }}>
        {children}
      </body>
    </html>
  )
}
