import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // authlite is a native addon: Node.js loads it at run time instead of the bundler copying it
  // (Turbopack and webpack alike).
  serverExternalPackages: ['authlite'],
  // This example lives inside the authlite repository, whose lock file Next would otherwise
  // take as the workspace root. (Not needed in an app of your own.)
  outputFileTracingRoot: process.cwd(),
  // Browsers ask for /favicon.ico on their own, e.g. after a page Auth.js renders itself: the
  // app's icon there too, instead of a 404.
  async rewrites() {
    return [{ source: '/favicon.ico', destination: '/icon.svg' }]
  },
}

export default nextConfig
