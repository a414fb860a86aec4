import type { StaffRole } from "@/lib/generated/prisma/enums";

declare module "next-auth" {
  interface User {
    role: StaffRole;
  }
  interface Session {
    user: { id: string; role: StaffRole; email?: string | null; name?: string | null };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    role?: StaffRole;
  }
}
