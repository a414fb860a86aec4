// The component's own row. Created on first need, atomically: Prisma's upsert reads then inserts,
// and instances starting together would collide on the insert.
import type { Prisma, PrismaClient } from "./generated/prisma/client";

type Client = Pick<PrismaClient, "$executeRaw"> | Pick<Prisma.TransactionClient, "$executeRaw">;

export async function ensureComponentRow(prisma: Client, appid: string): Promise<void> {
  await prisma.$executeRaw`INSERT INTO components (appid, updated_at) VALUES (${appid}, now()) ON CONFLICT (appid) DO NOTHING`;
}
