// POST /api/wechat/messages/{appid} — WeChat's 消息与事件接收URL ($APPID$): each authorizer's encrypted
// messages and events, stored and forwarded as message.received webhooks (with a synchronous route's
// passive reply), and the 全网发布 release checks (lib/messages/receive.ts). Answered by
// lib/ingress/routes.ts; under `npm start` the lean ingress calls it before Next.js would.
import { after } from "next/server";
import { readPosted } from "@/lib/http";
import { acceptAuthorizerMessage } from "@/lib/ingress/routes";
import { MAX_MESSAGE_BYTES, refuseMessageGet } from "@/lib/messages/receive";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ appid: string }> }) {
  const { response, afterwards } = await acceptAuthorizerMessage(await readPosted(request, MAX_MESSAGE_BYTES), (await params).appid);
  if (afterwards) after(afterwards);
  return response;
}

export function GET() {
  return refuseMessageGet();
}
