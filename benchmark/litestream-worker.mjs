// One app process of the Litestream load (litestream.mjs): `loops` concurrent loops on one
// SqliteAdapter for `seconds`, half signing users up (createUser, linkAccount, createSession),
// half churning sessions (createSession, getSessionAndUser, deleteSession) of users they made.
// Every write is timed. Prints one JSON line: the ids of the users whose createUser resolved,
// the write count, the slowest write, writes over 250 ms and over 1 s, and the first errors.
//
//   node benchmark/litestream-worker.mjs <db path> <name> <loops> <seconds>

const { SqliteAdapter } = await import(new URL('../index.mjs', import.meta.url))

const [path, name, loopsArg, secondsArg] = process.argv.slice(2)
const adapter = SqliteAdapter(path)
const m = Object.fromEntries(Object.keys(adapter).map((k) => [k, adapter[k]]))
const until = Date.now() + Number(secondsArg) * 1000
const DAY = 86_400_000
const acknowledged = []
const errors = []
let writes = 0
let slowestMs = 0
let over250 = 0
let over1s = 0

async function timed(write) {
  const start = performance.now()
  const result = await write()
  const ms = performance.now() - start
  writes++
  if (ms > slowestMs) slowestMs = ms
  if (ms > 250) over250++
  if (ms > 1000) over1s++
  return result
}

async function signUps(loop) {
  for (let i = 0; Date.now() < until; i++) {
    const id = `${name}-${loop}-${i}`
    await timed(() => m.createUser({ id, email: `${id}@example.com`, name: `User ${id}`, emailVerified: null }))
    acknowledged.push(id)
    await timed(() => m.linkAccount({ userId: id, type: 'oauth', provider: 'github', providerAccountId: `gh-${id}`, access_token: 'x'.repeat(200) }))
    await timed(() => m.createSession({ sessionToken: `s-${id}`, userId: id, expires: new Date(Date.now() + DAY) }))
  }
}

async function churn(loop) {
  const id = `${name}-churn-${loop}`
  await timed(() => m.createUser({ id, email: `${id}@example.com`, emailVerified: null }))
  acknowledged.push(id)
  for (let i = 0; Date.now() < until; i++) {
    const token = `${id}-${i}`
    await timed(() => m.createSession({ sessionToken: token, userId: id, expires: new Date(Date.now() + DAY) }))
    const both = await m.getSessionAndUser(token)
    if (both?.user.id !== id) throw new Error(`getSessionAndUser(${token}) returned ${JSON.stringify(both)}`)
    await timed(() => m.deleteSession(token))
  }
}

const loops = Number(loopsArg)
await Promise.all(
  Array.from({ length: loops }, (_, loop) =>
    (loop % 2 === 0 ? signUps(loop) : churn(loop)).catch((error) => {
      if (errors.length < 5) errors.push(`${error?.code ?? ''} ${error?.message ?? error}`)
    }),
  ),
)
// Exits once the line is written (a pipe is written asynchronously).
process.stdout.write(JSON.stringify({ acknowledged, writes, slowestMs, over250, over1s, errors }) + '\n', () => process.exit(0))
