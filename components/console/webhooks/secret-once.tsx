"use client";
// A signing secret just made (a new endpoint or a rotation): shown here once with a copy field; the
// portal keeps it sealed and never shows it again.
import { useTranslations } from "next-intl";
import type { ReactNode } from "react";
import { CopyField } from "../copy-field";

export function SecretOnce({ secret, children }: { secret: string; children?: ReactNode }) {
  const t = useTranslations("webhooks.secret");
  const copy = useTranslations("console.copy");
  return (
    <div className="notice" data-testid="webhook-secret">
      <p>
        <strong>{t("shownOnce")}</strong>
      </p>
      <CopyField label={t("label")} value={secret} copyLabel={copy("copy")} copiedLabel={copy("copied")} testId="webhook-secret-value" />
      <p className="small muted">{t("usage")}</p>
      {children}
    </div>
  );
}
