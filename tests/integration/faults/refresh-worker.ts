// A portal process for the kill -9 test: refreshes one authorizer's token (force) against the
// shared database and WECHAT_API_BASE, then prints the outcome as one JSON line. The test kills it
// with SIGKILL while WeChat's answer is held back, so normally it prints nothing.
import { closeDatabase } from "@/lib/db";
import { refreshAuthorizerToken } from "@/lib/credentials/authorizer-token";

const appid = process.env.AUTHORIZER_APPID;
if (!appid) throw new Error("AUTHORIZER_APPID is required");
try {
  const token = await refreshAuthorizerToken(appid, { force: true });
  console.log(JSON.stringify({ outcome: "token", version: token.version }));
} catch (error) {
  console.log(JSON.stringify({ outcome: "error", message: error instanceof Error ? error.message : String(error) }));
} finally {
  await closeDatabase();
}
