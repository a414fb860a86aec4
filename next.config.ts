import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

const withNextIntl = createNextIntlPlugin("./i18n/request.ts");

const nextConfig: NextConfig = {
  // Loaded from node_modules at run time rather than bundled: native/wasm assets and worker files.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "pino", "pg", "bcryptjs", "rate-limiter-flexible"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default withNextIntl(nextConfig);
