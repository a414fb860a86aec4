"use client";
// Binding the account to another of the provider's merchants (merchant_ref), or to none: blank.
import { useTranslations } from "next-intl";
import { useState } from "react";
import type { ActionResult } from "@/lib/console/safe-action";
import { ActionFeedback } from "../action-feedback";
import { useConsoleAction } from "../use-console-action";

export function MerchantForm({
  appid,
  current,
  changeMerchant,
}: {
  appid: string;
  current: string | null;
  changeMerchant: (input: { appid: string; merchantRef: string | null }) => Promise<ActionResult<{ changed: boolean }>>;
}) {
  const t = useTranslations("console.detail.merchant");
  const action = useConsoleAction(changeMerchant);
  const [value, setValue] = useState(current ?? "");
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        action.run({ appid, merchantRef: value.trim() || null });
      }}
    >
      <input
        aria-label={t("newRef")}
        name="merchantRef"
        value={value}
        maxLength={128}
        placeholder={t("newRefPlaceholder")}
        onChange={(e) => setValue(e.target.value)}
        data-testid="merchant-ref-input"
      />
      <button className="button secondary" type="submit" disabled={action.pending} data-testid="rebind-merchant">
        {t("rebind")}
      </button>
      <ActionFeedback
        error={action.result && !action.result.ok ? action.result.error : null}
        success={action.result?.ok ? (action.result.data.changed ? t("changed") : t("unchanged")) : null}
      />
    </form>
  );
}
