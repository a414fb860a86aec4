import type { StaffRole } from "@/lib/generated/prisma/enums";

declare module "next-auth" {
  interface User {
    role: StaffRole;
    /** The staff_sessions row this sign-in opened, and when (epoch seconds). */
    sessionId: string;
    signedInAt: number;
  }
  interface Session {
    user: { id: string; role: StaffRole; sessionId?: string; email?: string | null; name?: string | null };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    role?: StaffRole;
    sid?: string;
    signedInAt?: number;
  }
}
