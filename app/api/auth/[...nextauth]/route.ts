// GET/POST /api/auth/* — next-auth (staff sign-in, session, sign-out), called by the browser.
import NextAuth from "next-auth";
import { getAuthOptions } from "@/lib/auth/options";

type Context = { params: Promise<{ nextauth: string[] }> };

const handler = (req: Request, ctx: Context) => NextAuth(req as never, ctx as never, getAuthOptions());

export { handler as GET, handler as POST };
