"use client";
// Creating a webhook endpoint: its URL, the events it receives, a description and its routes for
// forwarded messages. The signing secret comes back once and is shown below the form.
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useState } from "react";
import type { ActionResult } from "@/lib/console/safe-action";
import type { EventType } from "@/lib/webhooks/event-types";
import { ActionFeedback } from "../action-feedback";
import { useConsoleAction } from "../use-console-action";
import { RouteEditor, useRouteDrafts, type RouteValue } from "./route-editor";
import { eventMessageKey } from "./event-names";
import { SecretOnce } from "./secret-once";

type Props = {
  eventTypes: readonly EventType[];
  createEndpoint: (input: {
    url: string;
    events: EventType[];
    description?: string;
    routes: RouteValue[];
  }) => Promise<ActionResult<{ id: string; secret: string }>>;
};

export function EndpointForm({ eventTypes, createEndpoint }: Props) {
  const t = useTranslations("webhooks.form");
  const events = useTranslations("webhooks.events");
  const action = useConsoleAction(createEndpoint);
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [chosen, setChosen] = useState<Set<EventType>>(() => new Set(eventTypes.filter((type) => type !== "message.received")));
  const routes = useRouteDrafts();
  const created = action.result?.ok ? action.result.data : null;
  const issues = action.result && !action.result.ok ? (action.result.error.issues ?? []) : [];
  const toggle = (type: EventType, on: boolean) =>
    setChosen((set) => {
      const next = new Set(set);
      if (on) next.add(type);
      else next.delete(type);
      return next;
    });
  return (
    <div className="card section">
      <h2>{t("title")}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          action.run(
            { url, events: eventTypes.filter((type) => chosen.has(type)), description, routes: routes.values() },
            { onSuccess: () => setUrl("") },
          );
        }}
      >
        <label className="field">
          <span>{t("url")}</span>
          <input
            name="url"
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            required
            maxLength={2048}
            placeholder="https://saas.example.com/wechat/webhooks"
          />
          <span className="small muted">{t("urlHelp")}</span>
        </label>
        <fieldset className="set-picker" data-testid="event-picker">
          <legend>{t("events")}</legend>
          {eventTypes.map((type) => (
            <label key={type} className="set-option">
              <input
                type="checkbox"
                name="events"
                value={type}
                checked={chosen.has(type)}
                onChange={(e) => toggle(type, e.target.checked)}
              />
              <span>
                {events(eventMessageKey(type))} <code className="muted small">{type}</code>
              </span>
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>{t("description")}</span>
          <input name="description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} />
        </label>
        <RouteEditor routes={routes} />
        <button className="button" type="submit" disabled={action.pending} data-testid="create-endpoint">
          {action.pending ? t("creating") : t("create")}
        </button>
      </form>
      <ActionFeedback error={action.result && !action.result.ok ? action.result.error : null} />
      {issues.length > 0 ? (
        <ul className="small error" data-testid="endpoint-issues">
          {issues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              <code>{issue.path}</code> {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
      {created ? (
        <SecretOnce secret={created.secret}>
          <p className="small">
            <Link href={`/console/webhooks/${created.id}`} data-testid="new-endpoint-link">
              {t("open")}
            </Link>
          </p>
        </SecretOnce>
      ) : null}
    </div>
  );
}
