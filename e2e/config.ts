// Where the e2e stack listens, and the staff admin it is seeded with. E2E_PORTAL_PORT and
// E2E_SANDBOX_PORT move it (two suites on one machine must not share ports).
const portalPort = Number(process.env.E2E_PORTAL_PORT ?? 3200);
const sandboxPort = Number(process.env.E2E_SANDBOX_PORT ?? 3201);
// The test receiver (webhooks, reply routes, return_url) the specs start on this port: E2E_RECEIVER_PORT moves it.
const receiverPort = Number(process.env.E2E_RECEIVER_PORT ?? portalPort + 2);

export const E2E = {
  portalPort,
  portalUrl: `http://localhost:${portalPort}`,
  sandboxPort,
  sandboxUrl: `http://localhost:${sandboxPort}`,
  receiverPort,
  receiverOrigin: `http://127.0.0.1:${receiverPort}`,
  admin: { email: "admin@e2e.test", password: "e2e-admin-password-2026" },
} as const;
