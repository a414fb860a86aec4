// Every console mutation goes through staffAction: the role is checked on the server first (the
// session is re-read from the database, so a changed role counts at once), then the input is parsed
// with zod, then the work runs; whatever it throws is mapped by toActionError. A refused attempt is
// itself audited: someone tried to change something they may not.
import { headers } from "next/headers";
import { getClientAddress } from "../client-address";
import type { z } from "zod";
import { recordAudit } from "../audit";
import { currentStaff, ForbiddenError, type Staff } from "../auth/session";
import { hasRole } from "../auth/roles";
import { logger } from "../logger";
import { describeIssues, toActionError, type ActionError } from "./errors";
import { CONSOLE_ACTIONS, type ConsoleAction } from "./permissions";

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: ActionError };

/** Who did it, for recordAudit. */
export type StaffActor = { actorType: "staff"; actorId: string; ip: string | null };

export type ActionContext = { staff: Staff; actor: StaffActor };

async function requestIp(): Promise<string | null> {
  try {
    const address = getClientAddress(await headers());
    return address === "unknown" ? null : address.slice(0, 64);
  } catch {
    // Called outside a request (tests, scripts): there is no address to record.
    return null;
  }
}

async function noteRefusal({ staff, action, ip }: { staff: Staff | null; action: ConsoleAction; ip: string | null }) {
  await recordAudit({
    actorType: "staff",
    actorId: staff?.id ?? null,
    action: "console.action_refused",
    target: action,
    details: { role: staff?.role ?? null, needed: CONSOLE_ACTIONS[action] },
    ip,
  }).catch((error: unknown) => logger.error({ err: error }, "console: could not audit a refused action"));
}

export function staffAction<S extends z.ZodType, T>({
  action,
  schema,
  run,
}: {
  action: ConsoleAction;
  schema: S;
  run: (args: { input: z.output<S> } & ActionContext) => Promise<T>;
}): (input: z.input<S>) => Promise<ActionResult<T>> {
  const needed = CONSOLE_ACTIONS[action];
  return async (input) => {
    try {
      const [staff, ip] = await Promise.all([currentStaff(), requestIp()]);
      if (!staff || !hasRole(staff.role, needed)) {
        await noteRefusal({ staff, action, ip });
        throw new ForbiddenError(needed);
      }
      const parsed = schema.safeParse(input);
      if (!parsed.success) return { ok: false, error: { code: "invalid_input", issues: describeIssues(parsed.error) } };
      const data = await run({ input: parsed.data, staff, actor: { actorType: "staff", actorId: staff.id, ip } });
      return { ok: true, data };
    } catch (error) {
      return { ok: false, error: toActionError(error) };
    }
  };
}
