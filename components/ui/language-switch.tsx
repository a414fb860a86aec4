"use client";
import { useLocale, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { setLocale } from "@/i18n/actions";
import { LOCALES } from "@/i18n/locales";

const LABELS: Record<(typeof LOCALES)[number], string> = { "zh-CN": "简体中文", en: "English" };

export function LanguageSwitch() {
  const t = useTranslations("app");
  const locale = useLocale();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  return (
    <label className="muted" style={{ display: "inline-flex", gap: 6, alignItems: "center", fontSize: 14 }}>
      <span>{t("language")}</span>
      <select
        value={locale}
        disabled={pending}
        onChange={(e) =>
          startTransition(async () => {
            await setLocale(e.target.value);
            router.refresh();
          })
        }
      >
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {LABELS[l]}
          </option>
        ))}
      </select>
    </label>
  );
}
