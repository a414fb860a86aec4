"use client";
// The routes of an endpoint for message.received, edited as rows: which authorizer (appid) or
// merchant (merchant_ref) and which MsgType / Event a message must have, and whether the endpoint
// answers WeChat synchronously (a passive reply). A blank field matches anything.
import { useTranslations } from "next-intl";
import { useState } from "react";

export type RouteDraft = { authorizerAppid: string; merchantRef: string; msgType: string; event: string; reply: boolean };

export type RouteValue = { authorizerAppid?: string; merchantRef?: string; msgType?: string; event?: string; reply: boolean };

/** A stored route (null: any) as the editor starts from it. */
export type StoredRoute = { [K in keyof Omit<RouteValue, "reply">]?: string | null } & { reply: boolean };

const BLANK: RouteDraft = { authorizerAppid: "", merchantRef: "", msgType: "", event: "", reply: false };

export const draftOf = (route: StoredRoute): RouteDraft => ({
  authorizerAppid: route.authorizerAppid ?? "",
  merchantRef: route.merchantRef ?? "",
  msgType: route.msgType ?? "",
  event: route.event ?? "",
  reply: route.reply,
});

/** What the server action receives: blank fields left out. */
export const routeValueOf = (draft: RouteDraft): RouteValue => ({
  ...(draft.authorizerAppid.trim() ? { authorizerAppid: draft.authorizerAppid.trim() } : {}),
  ...(draft.merchantRef.trim() ? { merchantRef: draft.merchantRef.trim() } : {}),
  ...(draft.msgType.trim() ? { msgType: draft.msgType.trim() } : {}),
  ...(draft.event.trim() ? { event: draft.event.trim() } : {}),
  reply: draft.reply,
});

export function useRouteDrafts(initial: StoredRoute[] = []) {
  const [drafts, setDrafts] = useState<RouteDraft[]>(initial.map(draftOf));
  return {
    drafts,
    add: () => setDrafts((list) => [...list, { ...BLANK }]),
    remove: (index: number) => setDrafts((list) => list.filter((_, i) => i !== index)),
    change: (index: number, patch: Partial<RouteDraft>) =>
      setDrafts((list) => list.map((draft, i) => (i === index ? { ...draft, ...patch } : draft))),
    values: () => drafts.map(routeValueOf),
  };
}

type Fields = "authorizerAppid" | "merchantRef" | "msgType" | "event";

const FIELDS: { name: Fields; placeholder: string; maxLength: number }[] = [
  { name: "authorizerAppid", placeholder: "wx0123456789abcdef", maxLength: 64 },
  { name: "merchantRef", placeholder: "merchant-42", maxLength: 128 },
  { name: "msgType", placeholder: "text / event", maxLength: 32 },
  { name: "event", placeholder: "subscribe / CLICK", maxLength: 64 },
];

export function RouteEditor({ routes }: { routes: ReturnType<typeof useRouteDrafts> }) {
  const t = useTranslations("webhooks.routes");
  return (
    <fieldset className="set-picker" data-testid="route-editor">
      <legend>{t("legend")}</legend>
      <p className="small muted">{t("explain")}</p>
      {routes.drafts.length === 0 ? <p className="small muted">{t("none")}</p> : null}
      {routes.drafts.map((draft, index) => (
        <div className="form-row" key={index} data-testid="route-draft">
          {FIELDS.map((field) => (
            <label className="field" key={field.name}>
              <span>{t(`fields.${field.name}`)}</span>
              <input
                value={draft[field.name]}
                maxLength={field.maxLength}
                placeholder={field.placeholder}
                onChange={(e) => routes.change(index, { [field.name]: e.target.value })}
              />
            </label>
          ))}
          <label className="set-option">
            <input type="checkbox" checked={draft.reply} onChange={(e) => routes.change(index, { reply: e.target.checked })} />
            <span>
              {t("fields.reply")} <span className="muted small">{t("replyHelp")}</span>
            </span>
          </label>
          <button type="button" className="button secondary danger" onClick={() => routes.remove(index)}>
            {t("remove")}
          </button>
        </div>
      ))}
      <button type="button" className="button secondary" onClick={routes.add} data-testid="add-route">
        {t("add")}
      </button>
    </fieldset>
  );
}
