// An audit entry's details as a short list of named values: permission-set ids by name (the id muted
// beside each), known keys in the staff member's language, anything else under its own key.
import { getLocale, getTranslations } from "next-intl/server";
import { Fragment } from "react";
import { permissionSetLocale } from "@/lib/console/permission-set-groups";
import { PermissionSetNames } from "./permission-set-names";

/** Keys whose value is a list of permission-set ids (lib/authorization/complete.ts and lib/console/links.ts write them). */
const SET_KEYS = new Set(["permissionSetIds", "added", "removed"]);

const isIdList = (value: unknown): value is number[] => Array.isArray(value) && value.every((v) => Number.isInteger(v));

export async function AuditDetails({ details }: { details: unknown }) {
  if (!details || typeof details !== "object" || Array.isArray(details)) return null;
  const entries = Object.entries(details as Record<string, unknown>);
  if (entries.length === 0) return null;
  const [t, locale] = await Promise.all([getTranslations("console.auditDetails"), getLocale()]);
  const value = (key: string, v: unknown) => {
    if (SET_KEYS.has(key) && isIdList(v)) return <PermissionSetNames ids={v} locale={permissionSetLocale(locale)} none={t("none")} />;
    if (v === null || v === undefined || v === "") return "—";
    if (typeof v === "boolean") return v ? t("yes") : t("no");
    if (typeof v === "string" || typeof v === "number") return <code>{String(v)}</code>;
    return <code>{JSON.stringify(v)}</code>;
  };
  return (
    <dl className="facts compact" data-testid="audit-details">
      {entries.map(([key, v]) => (
        <Fragment key={key}>
          <dt>{t.has(`keys.${key}`) ? t(`keys.${key}`) : <code>{key}</code>}</dt>
          <dd data-key={key}>{value(key, v)}</dd>
        </Fragment>
      ))}
    </dl>
  );
}
