"use client";
// Making an authorization link: which accounts the page lists (auth_type), optionally one account
// (biz_appid, which wins over auth_type), and the permission sets to offer (category_id_list; none
// ticked means every published set).
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { PermissionSetGroup } from "@/lib/console/permission-set-groups";
import type { ActionResult } from "@/lib/console/safe-action";
import { ActionFeedback } from "./action-feedback";
import { PermissionSetPicker, useSetSelection } from "./permission-set-picker";
import { useConsoleAction } from "./use-console-action";

type Props = {
  groups: PermissionSetGroup[];
  createLink: (input: {
    authType: number;
    bizAppid?: string;
    permissionSetIds: number[];
    merchantRef?: string;
    returnUrl?: string;
  }) => Promise<ActionResult<{ id: string }>>;
};

const AUTH_TYPES = [1, 2, 3, 4, 5, 6] as const;

export function LinkForm({ groups, createLink }: Props) {
  const t = useTranslations("console.links.form");
  const types = useTranslations("console.authType");
  const router = useRouter();
  const action = useConsoleAction(createLink);
  const [authType, setAuthType] = useState(3);
  const [bizAppid, setBizAppid] = useState("");
  const [merchantRef, setMerchantRef] = useState("");
  const [returnUrl, setReturnUrl] = useState("");
  const selection = useSetSelection();
  return (
    <form
      className="card section"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(
          {
            authType,
            bizAppid: bizAppid.trim() || undefined,
            permissionSetIds: [...selection.chosen],
            merchantRef: merchantRef.trim() || undefined,
            returnUrl: returnUrl.trim() || undefined,
          },
          { refresh: false, onSuccess: (data) => router.push(`/console/links/${data.id}`) },
        );
      }}
    >
      <h2>{t("title")}</h2>
      <div className="form-row">
        <label className="field">
          <span>{t("authType")}</span>
          <select name="authType" value={authType} onChange={(e) => setAuthType(Number(e.target.value))}>
            {AUTH_TYPES.map((value) => (
              <option key={value} value={value}>
                {value} · {types(String(value))}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span>{t("bizAppid")}</span>
          <input
            name="bizAppid"
            value={bizAppid}
            onChange={(e) => setBizAppid(e.target.value)}
            placeholder="wx0123456789abcdef"
            pattern="^\s*(wx[0-9a-fA-F]{16})?\s*$"
          />
          <span className="small muted">{t("bizAppidHelp")}</span>
        </label>
      </div>
      <div className="form-row">
        <label className="field">
          <span>{t("merchantRef")}</span>
          <input
            name="merchantRef"
            value={merchantRef}
            onChange={(e) => setMerchantRef(e.target.value)}
            maxLength={128}
            placeholder="merchant-42"
          />
          <span className="small muted">{t("merchantRefHelp")}</span>
        </label>
        <label className="field grow">
          <span>{t("returnUrl")}</span>
          <input
            name="returnUrl"
            type="url"
            value={returnUrl}
            onChange={(e) => setReturnUrl(e.target.value)}
            maxLength={2048}
            placeholder="https://saas.example.com/wechat/done"
          />
          <span className="small muted">{t("returnUrlHelp")}</span>
        </label>
      </div>
      <p className="small muted">{t("setsHelp")}</p>
      <PermissionSetPicker groups={groups} selection={selection} />
      <button className="button" type="submit" disabled={action.pending} data-testid="create-link">
        {action.pending ? t("creating") : t("create")}
      </button>
      <ActionFeedback error={action.result && !action.result.ok ? action.result.error : null} />
    </form>
  );
}
