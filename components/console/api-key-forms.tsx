"use client";
// Creating an API key with its scope (its plaintext is shown here once, never again) and revoking one.
import { useTranslations } from "next-intl";
import { useState } from "react";
import type { ActionResult } from "@/lib/console/safe-action";
import type { ApiKeyScope } from "@/lib/token-centre/scopes";
import { ActionFeedback } from "./action-feedback";
import { CopyField } from "./copy-field";
import { useConsoleAction } from "./use-console-action";

type Created = { id: string; name: string; prefix: string; key: string; scope: string[] };
type AuthorizerChoice = "all" | "listed" | "none";

/** "wx1, wx2\nwx3" -> ["wx1", "wx2", "wx3"]; the server checks each one. */
const splitAppids = (text: string) => text.split(/[\s,，]+/).filter(Boolean);

export function CreateApiKeyForm({
  createKey,
  defaults,
}: {
  createKey: (input: { name: string; scope: ApiKeyScope }) => Promise<ActionResult<Created>>;
  defaults: ApiKeyScope;
}) {
  const t = useTranslations("console.apiKeys");
  const hubT = useTranslations("hubApi.keyForm");
  const copy = useTranslations("console.copy");
  const action = useConsoleAction(createKey);
  const [name, setName] = useState("");
  const [component, setComponent] = useState(defaults.component);
  const [authorizers, setAuthorizers] = useState<AuthorizerChoice>(defaults.authorizers === "all" ? "all" : "listed");
  const [appids, setAppids] = useState(defaults.authorizers === "all" ? "" : defaults.authorizers.join(", "));
  const [readOnly, setReadOnly] = useState(defaults.readOnly);
  const [hub, setHub] = useState(defaults.hub);
  const created = action.result?.ok ? action.result.data : null;
  const scope = (): ApiKeyScope => ({
    component,
    authorizers: authorizers === "all" ? "all" : authorizers === "listed" ? splitAppids(appids) : [],
    readOnly,
    hub,
  });
  return (
    <div className="card section">
      <h2>{t("createTitle")}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          action.run({ name, scope: scope() }, { onSuccess: () => setName("") });
        }}
      >
        <label className="field">
          <span>{t("name")}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} placeholder={t("namePlaceholder")} />
        </label>
        <fieldset className="set-picker" data-testid="api-key-scope">
          <legend>{t("scopeLegend")}</legend>
          <label className="set-option">
            <input type="checkbox" name="component" checked={component} onChange={(e) => setComponent(e.target.checked)} />
            <span>{t("scopeComponent")}</span>
          </label>
          <label className="set-option">
            <input type="checkbox" name="hub" checked={hub} onChange={(e) => setHub(e.target.checked)} />
            <span>
              {hubT("scopeHub")} <span className="muted small">{hubT("scopeHubHelp")}</span>
            </span>
          </label>
          <label className="set-option">
            <input type="checkbox" name="readOnly" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} />
            <span>
              {t("scopeReadOnly")} <span className="muted small">{t("scopeReadOnlyHelp")}</span>
            </span>
          </label>
        </fieldset>
        <fieldset className="set-picker">
          <legend>{t("authorizersLegend")}</legend>
          {(["all", "listed", "none"] as const).map((choice) => (
            <label key={choice} className="set-option">
              <input
                type="radio"
                name="authorizers"
                value={choice}
                checked={authorizers === choice}
                onChange={() => setAuthorizers(choice)}
              />
              <span>{t(`authorizers.${choice}`)}</span>
            </label>
          ))}
        </fieldset>
        {authorizers === "listed" ? (
          <label className="field">
            <span>{t("appids")}</span>
            <input
              name="appids"
              value={appids}
              onChange={(e) => setAppids(e.target.value)}
              required
              placeholder="wx570bc396a51b8ff8, wx0123456789abcdef"
            />
            <span className="small muted">{t("appidsHelp")}</span>
          </label>
        ) : null}
        <button className="button" type="submit" disabled={action.pending} data-testid="create-api-key">
          {action.pending ? t("creating") : t("create")}
        </button>
      </form>
      <ActionFeedback error={action.result && !action.result.ok ? action.result.error : null} />
      {created ? (
        <div className="notice" data-testid="new-api-key">
          <p>
            <strong>{t("shownOnce", { name: created.name })}</strong>
          </p>
          <p className="small">
            {t("createdScope")} <code>{created.scope.join(", ")}</code>
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
