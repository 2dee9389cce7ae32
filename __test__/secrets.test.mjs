// Nothing secret appears in an error message or on the console: session tokens, magic-link
// tokens, OAuth tokens and encryption keys go through every failing path, and the messages and
// everything written to stdout/stderr meanwhile are searched for them. Also: a database made by
// a newer authlite is refused at open, its data left as it is.

import assert from 'node:assert/strict'
import { test } from 'node:test'

import { inspect, tempDbPath } from './helpers.mjs'

const { SqliteAdapter, openAuthDatabase } = await import('../index.mjs')

const SECRETS = {
  session: 'sess-SECRET-0123456789abcdef',
  link: 'link-SECRET-0123456789abcdef',
  access: 'gho_SECRET_access_0123456789',
  refresh: 'ghr_SECRET_refresh_0123456789',
  key: 'encryption-SECRET-key-of-at-least-32-chars',
  otherKey: 'another-SECRET-key-also-at-least-32-chars',
}

test('no secret in an error message or a console line', async () => {
  const written = []
  const capture = (stream) => {
    const original = stream.write.bind(stream)
    stream.write = (chunk, ...rest) => {
      written.push(String(chunk))
      return original(chunk, ...rest)
    }
    return () => (stream.write = original)
  }
  const restore = [capture(process.stdout), capture(process.stderr)]
  const messages = []
  const expectFailure = async (promise) => {
    try {
      await promise
    } catch (error) {
      messages.push(`${error.message} ${error.code} ${error.stack}`)
      return
    }
    assert.fail('expected a failure')
  }
  try {
    const path = tempDbPath()
    const a = SqliteAdapter({ path, encryptionKey: SECRETS.key })
    await a.createUser({ id: 'u', email: 'u@example.com' })
    await a.createSession({ sessionToken: SECRETS.session, userId: 'u', expires: new Date(Date.now() + 1e6) })
    await expectFailure(a.createSession({ sessionToken: SECRETS.session, userId: 'u', expires: new Date() })) // conflict
    await expectFailure(a.createSession({ sessionToken: SECRETS.session + 'x', userId: 'nobody', expires: new Date() })) // no user
    await expectFailure(a.createSession({ sessionToken: SECRETS.session, userId: 'u', expires: new Date(NaN) }))
    await expectFailure(a.updateSession({ sessionToken: SECRETS.session, userId: 'nobody' }))
    await a.createVerificationToken({ identifier: 'u@example.com', token: SECRETS.link, expires: new Date(Date.now() + 1e6) })
    await expectFailure(a.createVerificationToken({ identifier: 'u@example.com', token: SECRETS.link, expires: new Date() }))
    await a.linkAccount({ userId: 'u', type: 'oauth', provider: 'github', providerAccountId: '1', access_token: SECRETS.access, refresh_token: SECRETS.refresh })
    await expectFailure(a.linkAccount({ userId: 'u', type: 'oauth', provider: 'github', providerAccountId: '1', access_token: SECRETS.access }))
    await expectFailure(a.linkAccount({ userId: 'u', type: 'oauth', provider: 'github', providerAccountId: '2', access_token: 42, refresh_token: SECRETS.refresh }))
    await expectFailure(SqliteAdapter(openAuthDatabase({ path, encryptionKey: SECRETS.otherKey })).getAccount('1', 'github'))
    await expectFailure(Promise.resolve().then(() => SqliteAdapter({ path, encryptionKey: SECRETS.otherKey })))
    await expectFailure(Promise.resolve().then(() => openAuthDatabase({ path: ':memory:', encryptionKey: SECRETS.key.slice(0, 20) })))
  } finally {
    for (const r of restore) r()
  }
  assert.ok(messages.length >= 10, `${messages.length} failures`)
  for (const text of [...messages, ...written]) {
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (const part of [secret, secret.slice(0, 20)]) assert.ok(!text.includes(part), `the ${name} secret appears in: ${text}`)
    }
  }
})

test('a database made by a newer authlite is refused at open, its data unharmed', async () => {
  const path = tempDbPath()
  const db = openAuthDatabase({ path })
  await SqliteAdapter(db).createUser({ id: 'u', email: 'u@example.com' })
  db.close()
  const Database = (await import('better-sqlite3')).default
  const raw = new Database(path)
  raw.prepare('INSERT INTO authlite_migrations (version, name, applied_at) VALUES (99, ?, 0)').run('from the future')
  raw.close()
  assert.throws(() => openAuthDatabase({ path }), {
    code: 'AUTHLITE_DATABASE',
    message: /has schema version 99, made by a newer authlite \(this one knows up to \d+\); upgrade authlite/,
  })
  assert.deepEqual(inspect(path, 'SELECT id, email FROM user'), [{ id: 'u', email: 'u@example.com' }])
  assert.deepEqual(inspect(path, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }])
})
