// Does the portal hold the same authorized accounts as WeChat (the sandbox), with the same
// permission sets? Read with plain SQL so it works against any portal database.
import type { SandboxState } from "../../sandbox/state/store";

export type AccountView = Map<string, number[]>;

export type AccountDiff = {
  sandbox: number;
  portal: number;
  /** Authorized at WeChat, missing or not active in the portal. */
  missing: string[];
  /** Active in the portal, revoked (or unknown) at WeChat. */
  extra: string[];
  /** Active on both sides with different permission sets. */
  differentSets: string[];
};

export function sandboxAccounts(state: SandboxState): AccountView {
  const view: AccountView = new Map();
  for (const authorization of state.data.authorizations) {
    if (authorization.revokedAt === undefined)
      view.set(
        authorization.authorizerAppid,
        [...authorization.funcIds].sort((a, b) => a - b),
      );
  }
  return view;
}

/** Active authorizers (authorized / updated) and their permission sets. */
export const PORTAL_ACCOUNTS_SQL = `
  SELECT a.appid, COALESCE(array_agg(s.funcscope_id ORDER BY s.funcscope_id) FILTER (WHERE s.funcscope_id IS NOT NULL), '{}') AS sets
  FROM authorizers a LEFT JOIN authorizer_permission_sets s ON s.authorizer_appid = a.appid
  WHERE a.status IN ('authorized', 'updated')
  GROUP BY a.appid`;

export function portalAccounts(rows: { appid: string; sets: number[] }[]): AccountView {
  return new Map(rows.map((row) => [row.appid, row.sets.map(Number)]));
}

export function compareAccounts({ sandbox, portal }: { sandbox: AccountView; portal: AccountView }): AccountDiff {
  const diff: AccountDiff = { sandbox: sandbox.size, portal: portal.size, missing: [], extra: [], differentSets: [] };
  for (const [appid, sets] of sandbox) {
    const held = portal.get(appid);
    if (!held) diff.missing.push(appid);
    else if (held.join(",") !== sets.join(",")) diff.differentSets.push(appid);
  }
  for (const appid of portal.keys()) if (!sandbox.has(appid)) diff.extra.push(appid);
  return diff;
}

export const accountsEqual = (diff: AccountDiff) => diff.missing.length + diff.extra.length + diff.differentSets.length === 0;
