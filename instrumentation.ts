// Next.js calls register() once per server process before it serves requests.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startPortal } = await import("./lib/startup");
  await startPortal();
  // For scripts/serve.mjs (npm start): the hot paths answered on these modules, ahead of Next.js.
  const { publishIngress } = await import("./lib/ingress/node");
  publishIngress();
}
