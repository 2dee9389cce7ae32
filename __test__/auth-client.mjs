// A minimal browser for @auth/core's Auth() handler: sends Requests straight to it (no HTTP
// server) and keeps cookies between calls, as a browser would.

import { Auth } from '@auth/core'

export const ORIGIN = 'http://localhost:3000'

export class AuthClient {
  constructor(config) {
    this.config = config
    this.cookies = new Map()
  }

  async request(path, init = {}) {
    const headers = new Headers(init.headers)
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const response = await Auth(new Request(new URL(path, ORIGIN), { ...init, headers, redirect: 'manual' }), this.config)
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a))
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return response
  }

  async csrfToken() {
    const response = await this.request('/auth/csrf')
    return (await response.json()).csrfToken
  }

  async post(path, fields) {
    const body = new URLSearchParams({ csrfToken: await this.csrfToken(), ...fields })
    return this.request(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  }

  /** The body of GET /auth/session: the session, or null when signed out. */
  async session() {
    const response = await this.request('/auth/session')
    return response.json()
  }

  sessionToken() {
    return this.cookies.get('authjs.session-token')
  }
}

/**
 * An email provider that hands the magic link to `onLink` instead of sending mail (what a
 * custom `sendVerificationRequest` does in development).
 */
export function emailProvider(onLink) {
  return {
    id: 'email',
    type: 'email',
    name: 'Email',
    from: 'auth@example.com',
    maxAge: 24 * 60 * 60,
    async sendVerificationRequest({ identifier, url }) {
      onLink({ identifier, url })
    },
  }
}
