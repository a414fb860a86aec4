// Which role each console mutation needs. The server checks this table in every server action
// (lib/console/safe-action.ts); pages read the same table only to hide what the staff member could
// not do anyway. A viewer reads everything and changes nothing; an operator runs the accounts, links
// and sync, but only an admin manages API keys and staff.
import { hasRole } from "../auth/roles";
import type { StaffRole } from "../generated/prisma/enums";

export const CONSOLE_ACTIONS = {
  // Reading options calls WeChat (and spends its quota), so it is an action too, open to every role.
  "authorizer.read_options": "viewer",
  "authorizer.refresh_token": "operator",
  "authorizer.resync": "operator",
  "authorizer.set_option": "operator",
  "authorizer.sync": "operator",
  "authorizer.rebind_merchant": "operator",
  "link.create": "operator",
  // Webhooks: sending a test or redelivering runs the hub as it is; endpoints hold signing secrets, like API keys.
  "webhook.test": "operator",
  "webhook.redeliver": "operator",
  "webhook.manage": "admin",
  "api_key.create": "admin",
  "api_key.revoke": "admin",
  "staff.manage": "admin",
  // Everyone's own password is their own business.
  "staff.change_own_password": "viewer",
} as const satisfies Record<string, StaffRole>;

export type ConsoleAction = keyof typeof CONSOLE_ACTIONS;

export const roleNeededFor = (action: ConsoleAction): StaffRole => CONSOLE_ACTIONS[action];

/** True when `role` may run `action`: for pages deciding what to show, never as the check itself. */
export const mayRun = (role: StaffRole, action: ConsoleAction): boolean => hasRole(role, CONSOLE_ACTIONS[action]);
