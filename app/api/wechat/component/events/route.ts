// POST /api/wechat/component/events — WeChat's 授权事件接收URL: encrypted component pushes
// (component_verify_ticket every 10 minutes, authorized / updateauthorized / unauthorized, ...).
// Answered by lib/ingress/routes.ts; under `npm start` the lean ingress calls it before Next.js would.
import { after } from "next/server";
import { MAX_PUSH_BYTES } from "@/lib/authorization/pushes";
import { readPosted } from "@/lib/http";
import { acceptComponentPush } from "@/lib/ingress/routes";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  const { response, afterwards } = await acceptComponentPush(await readPosted(request, MAX_PUSH_BYTES));
  if (afterwards) after(afterwards);
  return response;
}
