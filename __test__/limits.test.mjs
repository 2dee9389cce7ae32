// Size limits: keys (ids, emails, tokens) at most 1 KiB, other text at most 64 KiB, a user's or
// account's custom fields at most 64 KiB of JSON; beyond them AUTHLITE_INVALID_INPUT names the
// field, and nothing is written. On each backend.

import assert from 'node:assert/strict'
import { test } from 'node:test'

import { forEachBackend, freshAdapter, rows } from './helpers.mjs'

const big = (bytes) => 'x'.repeat(bytes)

forEachBackend((backend) => {
  test('a 10 MiB custom field is refused, not stored', async () => {
    const a = await freshAdapter({}, backend)
    await assert.rejects(a.createUser({ email: 'big@example.com', notes: big(10 * 1024 * 1024) }), {
      code: 'AUTHLITE_INVALID_INPUT',
      message: /^authlite: createUser: user's custom fields are 1048\d{4} bytes as JSON; authlite stores at most 65536/,
    })
    assert.equal(await a.getUserByEmail('big@example.com'), null)
    await a.createUser({ id: 'u', email: 'u@example.com', notes: big(60 * 1024) }) // under the limit
    await assert.rejects(a.updateUser({ id: 'u', notes: big(70 * 1024) }), { code: 'AUTHLITE_INVALID_INPUT', message: /custom fields/ })
    assert.equal((await a.getUser('u')).notes.length, 60 * 1024, 'unchanged')
    await assert.rejects(a.linkAccount({ userId: 'u', type: 'oauth', provider: 'p', providerAccountId: '1', raw: big(70 * 1024) }), { code: 'AUTHLITE_INVALID_INPUT', message: /account's custom fields/ })
    assert.deepEqual(await rows(a, 'SELECT count(*) AS n FROM "account"'), [{ n: 0 }])
  })

  test('keys of more than 1 KiB and text of more than 64 KiB are refused, naming the field', async () => {
    const a = await freshAdapter({}, backend)
    await assert.rejects(a.createUser({ email: `${big(1100)}@example.com` }), { code: 'AUTHLITE_INVALID_INPUT', message: 'authlite: createUser: user.email is 1112 bytes long; authlite stores at most 1024 (see Limits in the README)' })
    await assert.rejects(a.createUser({ id: big(1025), email: 'x@example.com' }), { code: 'AUTHLITE_INVALID_INPUT', message: /user\.id is 1025 bytes long/ })
    await assert.rejects(a.createUser({ email: 'n@example.com', name: big(64 * 1024 + 1) }), { code: 'AUTHLITE_INVALID_INPUT', message: /user\.name is 65537 bytes long; authlite stores at most 65536/ })
    await a.createUser({ id: 'u', email: 'u@example.com', name: big(64 * 1024) })
    await assert.rejects(a.createSession({ sessionToken: big(2000), userId: 'u', expires: new Date() }), { code: 'AUTHLITE_INVALID_INPUT', message: /session\.sessionToken is 2000 bytes long/ })
    await assert.rejects(a.linkAccount({ userId: 'u', type: 'oauth', provider: 'p', providerAccountId: '1', id_token: big(65 * 1024) }), { code: 'AUTHLITE_INVALID_INPUT', message: /account\.id_token is 66560 bytes long/ })
    await assert.rejects(a.getUser(big(5000)), { code: 'AUTHLITE_INVALID_INPUT', message: /id is 5000 bytes long/ })
    // Multi-byte characters count in bytes.
    await assert.rejects(a.getUserByEmail('é'.repeat(600)), { code: 'AUTHLITE_INVALID_INPUT', message: /email is 1200 bytes long/ })
    assert.deepEqual(await rows(a, 'SELECT count(*) AS n FROM "user"'), [{ n: 1 }])
  })
})
