import type { StaffRole } from "../generated/prisma/enums";

const rank: Record<StaffRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `role` may do what `needed` may do (admin > operator > viewer). */
export const hasRole = (role: StaffRole, needed: StaffRole) => rank[role] >= rank[needed];

export const STAFF_ROLES = ["admin", "operator", "viewer"] as const satisfies readonly StaffRole[];
