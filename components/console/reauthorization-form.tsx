"use client";
// A re-authorization link pinned to one account (biz_appid) asking for the permission sets it lacks.
// The sets it already granted are ticked too: a new authorization replaces the grant with what the
// admin confirms, so leaving them out would take them away.
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import type { ActionResult } from "@/lib/console/safe-action";
import { ActionFeedback } from "./action-feedback";
import { PermissionSetCheckbox, useSetSelection } from "./permission-set-picker";
import { useConsoleAction } from "./use-console-action";

type SetOption = { id: number; name: string; granted: boolean };

type Props = {
  appid: string;
  authType: number;
  sets: SetOption[];
  createLink: (input: { authType: number; bizAppid: string; permissionSetIds: number[] }) => Promise<ActionResult<{ id: string }>>;
};

export function ReauthorizationForm({ appid, authType, sets, createLink }: Props) {
  const t = useTranslations("console.detail.reauthorize");
  const router = useRouter();
  const action = useConsoleAction(createLink);
  const selection = useSetSelection(sets.map((s) => s.id));
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        action.run(
          { authType, bizAppid: appid, permissionSetIds: [...selection.chosen] },
          { refresh: false, onSuccess: (data) => router.push(`/console/links/${data.id}`) },
        );
      }}
    >
      {sets.length === 0 ? (
        <p className="muted small">{t("noTable")}</p>
      ) : (
        <fieldset className="set-picker">
          <legend className="small muted">{t("legend")}</legend>
          {sets.map((set) => (
            <PermissionSetCheckbox key={set.id} set={set} selection={selection} missing={set.granted ? null : t("missing")} />
          ))}
        </fieldset>
      )}
      <button className="button" type="submit" disabled={action.pending} data-testid="create-reauthorization">
        {action.pending ? t("creating") : t("create")}
      </button>
      <ActionFeedback error={action.result && !action.result.ok ? action.result.error : null} />
    </form>
  );
}
