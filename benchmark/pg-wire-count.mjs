// A TCP proxy in front of a PostgreSQL server that reads the wire protocol going through it and
// counts, over all its connections:
//   roundTrips  how often a client sent something after hearing back from the server: one per
//               network round trip a client waited for (requests it pipelined count once);
//   syncs       request cycles: ReadyForQuery messages from the server (one per Sync or simple
//               Query);
//   statements  statements run: Execute messages plus simple Query messages;
//   parses      Parse messages (a statement the server parses and plans; a client that keeps
//               prepared statements sends one per connection and statement, not per call).
// Used by postgres-trips.mjs, never while timing (it adds a hop).

import { connect, createServer } from 'node:net'

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104

/** Splits a byte stream into messages: `untyped` ones (length first) while `untyped()` says so, then type byte + length. */
function messageReader(onMessage, { untyped = () => false, skip = () => 0 } = {}) {
  let buffer = Buffer.alloc(0)
  return (chunk) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk
    for (;;) {
      const skipping = skip()
      if (skipping > 0) {
        if (buffer.length < skipping) return
        onMessage({ skipped: buffer.subarray(0, skipping) })
        buffer = buffer.subarray(skipping)
        continue
      }
      if (untyped()) {
        if (buffer.length < 8) return
        const length = buffer.readInt32BE(0)
        if (buffer.length < length) return
        onMessage({ type: null, code: buffer.readInt32BE(4) })
        buffer = buffer.subarray(length)
      } else {
        if (buffer.length < 5) return
        const length = buffer.readInt32BE(1)
        if (buffer.length < 1 + length) return
        onMessage({ type: String.fromCharCode(buffer[0]) })
        buffer = buffer.subarray(1 + length)
      }
    }
  }
}

/** Starts the proxy on 127.0.0.1 and a free port, forwarding to `port` of 127.0.0.1. */
export async function startWireCounter(port) {
  const counts = { roundTrips: 0, syncs: 0, statements: 0, parses: 0 }
  const sockets = new Set()
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.setNoDelay(true)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {})
    }
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.pipe(upstream)
    upstream.pipe(client)

    let startup = true // the client's first messages have no type byte
    let pendingReply = 0 // bytes of a one-byte answer to SSLRequest/GSSENCRequest
    let encrypted = false // TLS accepted: nothing more can be read (the benchmark's server has none)
    let heardBack = true
    const fromClient = messageReader((m) => {
      if (m.type === null) {
        if (m.code === SSL_REQUEST || m.code === GSSENC_REQUEST) pendingReply = 1
        else startup = false
        return
      }
      if (m.type === 'Q') counts.statements++
      else if (m.type === 'E') counts.statements++
      else if (m.type === 'P') counts.parses++
    }, { untyped: () => startup })
    const fromServer = messageReader((m) => {
      if (m.skipped) {
        pendingReply = 0
        if (m.skipped[0] === 'S'.charCodeAt(0)) encrypted = true
        return
      }
      if (m.type === 'Z') counts.syncs++
    }, { skip: () => pendingReply })
    client.on('data', (chunk) => {
      if (heardBack) counts.roundTrips++
      heardBack = false
      if (!encrypted) fromClient(chunk)
    })
    upstream.on('data', (chunk) => {
      heardBack = true
      if (!encrypted) fromServer(chunk)
    })
  })
  await new Promise((resolve, reject) => server.listen(0, '127.0.0.1', resolve).on('error', reject))
  return {
    port: server.address().port,
    /** The counts since the last reset. */
    read: () => ({ ...counts }),
    reset() {
      for (const key of Object.keys(counts)) counts[key] = 0
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}
