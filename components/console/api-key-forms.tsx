"use client";
// Creating an API key (its plaintext is shown here once, never again) and revoking one.
import { useTranslations } from "next-intl";
import { useState } from "react";
import type { ActionResult } from "@/lib/console/safe-action";
import { ActionFeedback } from "./action-feedback";
import { CopyField } from "./copy-field";
import { useConsoleAction } from "./use-console-action";

type Created = { id: string; name: string; prefix: string; key: string };

export function CreateApiKeyForm({ createKey }: { createKey: (input: { name: string }) => Promise<ActionResult<Created>> }) {
  const t = useTranslations("console.apiKeys");
  const copy = useTranslations("console.copy");
  const action = useConsoleAction(createKey);
  const [name, setName] = useState("");
  const created = action.result?.ok ? action.result.data : null;
  return (
    <div className="card section">
      <h2>{t("createTitle")}</h2>
      <form
        className="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          action.run({ name }, { onSuccess: () => setName("") });
        }}
      >
        <label className="field grow">
          <span>{t("name")}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} placeholder={t("namePlaceholder")} />
        </label>
        <div className="field">
          <span aria-hidden="true">&nbsp;</span>
          <button className="button" type="submit" disabled={action.pending} data-testid="create-api-key">
            {action.pending ? t("creating") : t("create")}
          </button>
        </div>
      </form>
      <ActionFeedback error={action.result && !action.result.ok ? action.result.error : null} />
      {created ? (
        <div className="notice" data-testid="new-api-key">
          <p>
            <strong>{t("shownOnce", { name: created.name })}</strong>
          </p>
          <CopyField
            label={t("keyLabel")}
            value={created.key}
            copyLabel={copy("copy")}
            copiedLabel={copy("copied")}
            testId="new-api-key-value"
          />
          <p className="small muted">{t("usage")}</p>
        </div>
      ) : null}
    </div>
  );
}

export function RevokeApiKeyButton({
  id,
  label,
  confirm,
  revokeKey,
}: {
  id: string;
  label: string;
  confirm: string;
  revokeKey: (input: { id: string }) => Promise<ActionResult<{ id: string; alreadyRevoked: boolean }>>;
}) {
  const action = useConsoleAction(revokeKey);
  return (
    <>
      <button
        className="button secondary danger"
        type="button"
        disabled={action.pending}
        onClick={() => {
          if (window.confirm(confirm)) action.run({ id });
        }}
      >
        {label}
      </button>
      <ActionFeedback error={action.result && !action.result.ok ? action.result.error : null} />
    </>
  );
}
