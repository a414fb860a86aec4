// POST /api/wechat/messages/{appid} — WeChat's 消息与事件接收URL ($APPID$): each authorizer's encrypted
// messages and events, stored and forwarded as message.received webhooks (with a synchronous route's
// passive reply), and the 全网发布 release checks (lib/messages/receive.ts).
import { after } from "next/server";
import { receiveAuthorizerMessage, refuseMessageGet } from "@/lib/messages/receive";
import { guardDatabase } from "@/lib/http";

export const dynamic = "force-dynamic";

export const POST = guardDatabase(
  async (request: Request, { params }: { params: Promise<{ appid: string }> }) => {
    const { response, afterwards } = await receiveAuthorizerMessage({ request, appid: (await params).appid });
    if (afterwards) after(afterwards);
    return response;
  },
  { json: false },
);

export function GET() {
  return refuseMessageGet();
}
