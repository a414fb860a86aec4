// The portal's own merchant URLs. Pure, so the pages and their live parts build the same links.

export const PC_PAGE_PATH = "/authorize";
export const PHONE_PAGE_PATH = "/m/authorize";
export const RESULT_PAGE_PATH = "/authorize/result";

/** What the QR code encodes: stable across renewals, and opened in WeChat it forwards to the current H5 link. */
export function buildPhonePageUrl({ baseUrl, attemptId }: { baseUrl: string; attemptId: string }): string {
  const url = new URL(PHONE_PAGE_PATH, baseUrl);
  url.searchParams.set("attempt", attemptId);
  return url.toString();
}

export function buildResumePath({ path, attemptId }: { path: string; attemptId: string }): string {
  return `${path}?attempt=${encodeURIComponent(attemptId)}`;
}

/** A fresh attempt with the same request (after a failure or cancellation). */
export function buildRetryPath({
  path,
  authType,
  bizAppid,
  permissionSetIds,
}: {
  path: string;
  authType: number;
  bizAppid: string | null;
  permissionSetIds: readonly number[];
}): string {
  const query = [`auth_type=${authType}`];
  if (bizAppid) query.push(`biz_appid=${encodeURIComponent(bizAppid)}`);
  // "|" as WeChat writes it; encoded so the URL is valid everywhere.
  if (permissionSetIds.length > 0) query.push(`category_id_list=${encodeURIComponent(permissionSetIds.join("|"))}`);
  return `${path}?${query.join("&")}`;
}

/** The same page with the same query (to try again after WeChat could not be reached). */
export function buildReloadPath({ path, query }: { path: string; query: Record<string, string | string[] | undefined> }): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) search.append(name, item);
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Authorize the same account again with the same request, to grant what was withheld: pinned to the
 * account (biz_appid), so WeChat lists only it with every set asked for ticked. Re-authorizing
 * replaces the grant (updateauthorized), so it asks for all of them, not only the missing ones.
 */
export function buildRegrantPath({
  path,
  attempt,
}: {
  path: string;
  attempt: {
    authType: number;
    bizAppid: string | null;
    authorizer: { appid: string } | null;
    requestedPermissionSets: readonly { id: number }[];
  };
}): string {
  return buildRetryPath({
    path,
    authType: attempt.authType,
    bizAppid: attempt.authorizer?.appid ?? attempt.bizAppid,
    permissionSetIds: attempt.requestedPermissionSets.map((set) => set.id),
  });
}
