// `npm run sandbox:release-check`: asks the running sandbox (SANDBOX_URL, default http://localhost:3100)
// to run WeChat's 全网发布 checks against the portal's message URL, prints pass/fail per case and exits
// non-zero on any failure. The sandbox must be the one the portal talks to: the QUERY_AUTH_CODE case
// watches the portal's api_query_auth and custom/send calls arrive there.
import { z } from "zod";

const resultSchema = z.object({
  ok: z.boolean(),
  appid: z.string(),
  messageUrl: z.string(),
  cases: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string(), durationMs: z.number() })),
});

function readArgs(argv: string[]): { appid?: string } {
  const index = argv.indexOf("--appid");
  const appid = index >= 0 ? argv[index + 1] : undefined;
  return appid ? { appid } : {};
}

async function main(): Promise<number> {
  const base = (process.env.SANDBOX_URL ?? `http://localhost:${process.env.SANDBOX_PORT ?? "3100"}`).replace(/\/$/, "");
  let response: Response;
  try {
    response = await fetch(`${base}/sandbox/api/release-check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(readArgs(process.argv.slice(2))),
    });
  } catch (error) {
    console.error(`cannot reach the sandbox at ${base} (${(error as Error).message}); start it with npm run sandbox`);
    return 2;
  }
  const body: unknown = await response.json().catch(() => undefined);
  const parsed = resultSchema.safeParse(body);
  if (!response.ok || !parsed.success) {
    console.error(`release check could not run: HTTP ${response.status} ${JSON.stringify(body)}`);
    return 2;
  }
  const result = parsed.data;
  console.log(`全网发布检测 · ${result.appid} → ${result.messageUrl}`);
  for (const entry of result.cases) {
    console.log(`${entry.ok ? "PASS" : "FAIL"}  ${entry.name.padEnd(24)} ${entry.detail} (${entry.durationMs} ms)`);
  }
  console.log(result.ok ? "release check passed" : "release check FAILED");
  return result.ok ? 0 : 1;
}

main().then((code) => process.exit(code));
