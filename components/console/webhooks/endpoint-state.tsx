// An endpoint's state in words (active, failing since when, or disabled with why: by staff or by the
// portal after failing too long), so nobody has to guess why nothing arrives; and the events it receives.
import { getFormatter, getTranslations } from "next-intl/server";
import { timeWriter } from "@/lib/console/format";
import type { EndpointState } from "@/lib/console/webhooks";
import { eventMessageKey } from "./event-names";

export async function EndpointStateBadge({ state }: { state: EndpointState }) {
  const t = await getTranslations("webhooks.state");
  const when = timeWriter(await getFormatter(), "minute");
  if (state.kind === "active") {
    return (
      <span className="badge ok" data-testid="endpoint-state" data-state="active">
        {t("active")}
      </span>
    );
  }
  if (state.kind === "failing") {
    return (
      <span data-testid="endpoint-state" data-state="failing">
        <span className="badge warn">{t("failing")}</span>{" "}
        <span className="small muted">{t("failingSince", { time: when(state.since) })}</span>
      </span>
    );
  }
  return (
    <span data-testid="endpoint-state" data-state="disabled">
      <span className="badge bad">{t("disabled")}</span>{" "}
      <span className="small">
        {t("disabledAt", { time: when(state.at) })}
        {state.reason ? ` · ${state.reason}` : ""}
      </span>
    </span>
  );
}

/** The event types an endpoint receives, by name (the type itself as the badge's title). */
export async function EventBadges({ events }: { events: readonly string[] }) {
  const names = await getTranslations("webhooks.events");
  return (
    <span className="badges">
      {events.map((type) => (
        <span key={type} className="badge set" title={type} data-event-type={type}>
          {names.has(eventMessageKey(type)) ? names(eventMessageKey(type)) : type}
        </span>
      ))}
    </span>
  );
}
