// The seeded data, the same for every adapter: user i has one account and one session. Ids and
// session tokens are UUIDs derived from i (random-looking, like Auth.js's, but reproducible), so
// every adapter's database holds the same rows and a run can name any of them by index.

import { createHash } from 'node:crypto'

const digest = (text) => createHash('sha256').update(text).digest('hex')
const uuid = (h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
const VERIFIED_BASE = Date.UTC(2024, 0, 1)

export const PROVIDER = 'github'

export function seedUser(i) {
  return {
    id: uuid(digest(`user ${i}`)),
    name: `User ${i}`,
    email: `user${i}@example.com`,
    emailVerified: i % 2 === 0 ? new Date(VERIFIED_BASE + i * 1000) : null,
    image: i % 3 === 0 ? null : `https://avatars.example.com/u/${i}.png`,
  }
}

export function seedAccount(i, userId) {
  return {
    userId,
    type: 'oauth',
    provider: PROVIDER,
    providerAccountId: String(10_000_000 + i),
    refresh_token: null,
    access_token: `gho_${digest(`access ${i}`).slice(0, 36)}`,
    expires_at: null,
    token_type: 'bearer',
    scope: 'read:user,user:email',
    id_token: null,
    session_state: null,
  }
}

export function seedSession(i, userId, expiresMs) {
  return { sessionToken: uuid(digest(`session ${i}`)), userId, expires: new Date(expiresMs) }
}

/** User, account and session of seeded index i. */
export function seedRow(i, expiresMs) {
  const user = seedUser(i)
  return { user, account: seedAccount(i, user.id), session: seedSession(i, user.id, expiresMs) }
}

/** Deterministic pseudo-random integers (mulberry32), the same sequence for every adapter. */
export function prng(seed) {
  let a = seed >>> 0
  return (bound) => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) % bound)
  }
}

/** `size` seeded rows picked at random (with a fixed seed) from the first `users`. */
export function pickRows(users, size, expiresMs, seed = 7) {
  const next = prng(seed)
  return Array.from({ length: size }, () => seedRow(next(users), expiresMs))
}

export const sha256Hex = digest
