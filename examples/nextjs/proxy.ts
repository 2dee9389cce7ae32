// Next.js 16 runs proxy.ts on the Node.js runtime, so `auth` can read the database session
// through the native adapter here (the old edge middleware could not).
import { NextResponse } from 'next/server'

import { auth } from './auth'

export default auth((request) => {
  if (!request.auth) {
    const signIn = new URL('/signin', request.nextUrl.origin)
    signIn.searchParams.set('callbackUrl', request.nextUrl.pathname + request.nextUrl.search)
    return NextResponse.redirect(signIn)
  }
})

export const config = { matcher: ['/dashboard/:path*'] }
