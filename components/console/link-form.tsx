"use client";
// Making an authorization link: which accounts the page lists (auth_type), optionally one account
// (biz_appid, which wins over auth_type), and the permission sets to offer (category_id_list; none
// ticked means every published set).
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { ActionResult } from "@/lib/console/safe-action";
import { ActionFeedback } from "./action-feedback";
import { useConsoleAction } from "./use-console-action";

type SetGroup = { label: string; sets: { id: number; name: string }[] };

type Props = {
  groups: SetGroup[];
  createLink: (input: { authType: number; bizAppid?: string; permissionSetIds: number[] }) => Promise<ActionResult<{ id: string }>>;
};

const AUTH_TYPES = [1, 2, 3, 4, 5, 6] as const;

export function LinkForm({ groups, createLink }: Props) {
  const t = useTranslations("console.links.form");
  const types = useTranslations("console.authType");
  const router = useRouter();
  const action = useConsoleAction(createLink);
  const [authType, setAuthType] = useState(3);
  const [bizAppid, setBizAppid] = useState("");
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const toggle = (id: number) =>
    setChosen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <form
      className="card section"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(
          { authType, bizAppid: bizAppid.trim() || undefined, permissionSetIds: [...chosen] },
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
      <p className="small muted">{t("setsHelp")}</p>
      {groups.map((group) => (
        <details key={group.label} className="set-group">
          <summary>
            {group.label} <span className="muted small">({group.sets.filter((s) => chosen.has(s.id)).length})</span>
          </summary>
          <fieldset className="set-picker">
            <legend className="sr-only">{group.label}</legend>
            {group.sets.map((set) => (
              <label key={set.id} className="set-option">
                <input type="checkbox" checked={chosen.has(set.id)} onChange={() => toggle(set.id)} data-set-id={set.id} />
                <span>
                  {set.name} <span className="muted small">({set.id})</span>
                </span>
              </label>
            ))}
          </fieldset>
        </details>
      ))}
      <button className="button" type="submit" disabled={action.pending} data-testid="create-link">
        {action.pending ? t("creating") : t("create")}
      </button>
      <ActionFeedback error={action.result && !action.result.ok ? action.result.error : null} />
    </form>
  );
}
