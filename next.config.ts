import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";
import { API_CONTENT_SECURITY_POLICY, STATIC_SECURITY_HEADERS } from "./lib/security-headers";

const withNextIntl = createNextIntlPlugin("./i18n/request.ts");

const nextConfig: NextConfig = {
  // Loaded from node_modules at run time rather than bundled: native/wasm assets and worker files.
  serverExternalPackages: ["pino", "pg", "bcryptjs", "rate-limiter-flexible", "pg-boss"],
  poweredByHeader: false,
  // NEXT_DIST_DIR lets two builds (e.g. two e2e runs) share a checkout without clobbering .next.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // npm test type-checks the whole project (tsc --noEmit) once; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  typedRoutes: false,
  // The server bundle keeps its names: logged stack traces and CPU profiles (bench/cpu-profile.ts)
  // name the portal's own functions. The browser's bundles are still minified.
  experimental: { serverMinification: false },
  // Pages get their CSP (with a nonce) and HSTS from proxy.ts; these go on every answer.
  async headers() {
    return [
      { source: "/:path*", headers: [...STATIC_SECURITY_HEADERS] },
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: API_CONTENT_SECURITY_POLICY }] },
    ];
  },
};

export default withNextIntl(nextConfig);
