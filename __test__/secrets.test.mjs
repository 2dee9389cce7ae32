// Nothing secret appears in an error message or on the console: session tokens, magic-link
// tokens, OAuth tokens and encryption keys go through every failing path, and the messages and
// everything written to stdout/stderr meanwhile are searched for them (on PostgreSQL also the
// password in the URL). Also: a database made by a newer authlite is refused at open, its data
// left as it is. On each backend.

import assert from 'node:assert/strict'
import { test } from 'node:test'

import { adapterOf, execSql, forEachBackend, freshLocation, integrity, rows } from './helpers.mjs'

const { PostgresAdapter, SqliteAdapter, openAuthDatabase } = await import('../index.mjs')

const SECRETS = {
  session: 'sess-SECRET-0123456789abcdef',
  link: 'link-SECRET-0123456789abcdef',
  access: 'gho_SECRET_access_0123456789',
  refresh: 'ghr_SECRET_refresh_0123456789',
  key: 'encryption-SECRET-key-of-at-least-32-chars',
  otherKey: 'another-SECRET-key-also-at-least-32-chars',
  password: 'pw-SECRET-0123456789abcdef',
}

forEachBackend((backend) => {
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
      const location = await freshLocation(backend)
      const a = backend === 'sqlite' ? SqliteAdapter({ path: location.path, encryptionKey: SECRETS.key }) : PostgresAdapter(location.open({ encryptionKey: SECRETS.key }))
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
      await expectFailure(adapterOf(location.open({ encryptionKey: SECRETS.otherKey })).getAccount('1', 'github'))
      if (backend === 'sqlite') {
        await expectFailure(Promise.resolve().then(() => SqliteAdapter({ path: location.path, encryptionKey: SECRETS.otherKey })))
        await expectFailure(Promise.resolve().then(() => openAuthDatabase({ path: ':memory:', encryptionKey: SECRETS.key.slice(0, 20) })))
      } else {
        const url = new URL(location.url)
        await expectFailure(Promise.resolve().then(() => openAuthDatabase({ url: location.url, encryptionKey: SECRETS.key.slice(0, 20) })))
        // The password in the URL: a wrong one, an unreachable server, a URL that does not parse.
        url.password = SECRETS.password
        await expectFailure(PostgresAdapter({ url: url.href, connectTimeoutMs: 2000 }).getUser('u'))
        await expectFailure(PostgresAdapter({ url: `postgres://authlite:${SECRETS.password}@127.0.0.1:1/x`, connectTimeoutMs: 500 }).getUser('u'))
        await expectFailure(Promise.resolve().then(() => openAuthDatabase({ url: `postgres://authlite:${SECRETS.password}@127.0.0.1:notaport/x` })))
      }
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
    const location = await freshLocation(backend)
    const db = location.open()
    await adapterOf(db).createUser({ id: 'u', email: 'u@example.com' })
    db.close()
    const appliedAt = backend === 'postgres' ? 'now()' : '0'
    await execSql(location, `INSERT INTO "authlite_migrations" ("version", "name", "applied_at") VALUES (99, 'from the future', ${appliedAt})`)
    const refused = { code: 'AUTHLITE_DATABASE', message: /has schema version 99, made by a newer authlite \(this one knows up to \d+\); upgrade authlite/ }
    if (backend === 'postgres') {
      // Opening connects on first use: ready() (or the first call) reports it.
      const again = location.open()
      await assert.rejects(again.ready(), refused)
      await assert.rejects(adapterOf(again).getUser('u'), refused)
    } else {
      assert.throws(() => location.open(), refused)
    }
    assert.deepEqual(await rows(location, 'SELECT "id", "email" FROM "user"'), [{ id: 'u', email: 'u@example.com' }])
    assert.equal(await integrity(location), 'ok')
  })
})
