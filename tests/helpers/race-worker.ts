// A second (third, ...) portal process for the race tests: fetches a token `CONCURRENCY` times at
// once against the shared PostgreSQL and prints what it got as one JSON line.
import { closeDatabase } from "@/lib/db";
import { getComponentAccessToken } from "@/lib/credentials/component-token";
import { getAuthorizerAccessToken } from "@/lib/credentials/authorizer-token";

const concurrency = Number(process.env.CONCURRENCY ?? 50);
const appid = process.env.AUTHORIZER_APPID;
// Start together: the parent releases every worker at the same wall-clock moment.
const startAt = Number(process.env.START_AT ?? Date.now());
await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
const fetchOne = () => (appid ? getAuthorizerAccessToken(appid) : getComponentAccessToken());
const tokens = await Promise.all(Array.from({ length: concurrency }, fetchOne));
console.log(JSON.stringify({ tokens: [...new Set(tokens.map((t) => t.token))] }));
await closeDatabase();
