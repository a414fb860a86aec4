// An audit action in words ("Token refreshed by staff"), with the stable code beside it for searching.
import { getTranslations } from "next-intl/server";

export async function AuditAction({ action }: { action: string }) {
  const t = await getTranslations("console.auditActions");
  // Message keys cannot contain dots: "credential.refreshed_by_staff" is "credential_refreshed_by_staff".
  const key = action.replace(/\./g, "_");
  return (
    <span data-action={action}>
      {t.has(key) ? (
        <>
          {t(key)} <code className="small muted">{action}</code>
        </>
      ) : (
        <code>{action}</code>
      )}
    </span>
  );
}
