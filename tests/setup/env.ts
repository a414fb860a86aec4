// Runs before every test file: quiet logs and a fresh embedded database unless DATABASE_URL is set.
process.env.LOG_LEVEL ??= "silent";
process.env.NEXT_TELEMETRY_DISABLED = "1";
if (!process.env.DATABASE_URL) process.env.PGLITE_DIR = "memory://";
