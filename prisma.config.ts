import { defineConfig } from "prisma/config";

// process.env rather than env(): env() throws when DATABASE_URL is unset, which would break
// `prisma generate` on the embedded default.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/unused" },
});
