import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // authlite is a native addon: Node.js loads it at run time instead of the bundler copying it
  // (Turbopack and webpack alike).
  serverExternalPackages: ['authlite'],
  // This example lives inside the authlite repository, whose lock file Next would otherwise
  // take as the workspace root. (Not needed in an app of your own.)
  outputFileTracingRoot: process.cwd(),
}

export default nextConfig
