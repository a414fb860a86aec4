// Where the e2e stack listens, and the staff admin it is seeded with.
export const E2E = {
  portalPort: 3200,
  portalUrl: "http://localhost:3200",
  sandboxPort: 3201,
  sandboxUrl: "http://localhost:3201",
  admin: { email: "admin@e2e.test", password: "e2e-admin-password-2026" },
} as const;
