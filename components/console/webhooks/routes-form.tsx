"use client";
// An endpoint's routes, edited and saved as a whole (lib/webhooks/endpoints.ts replaceRoutes).
import { useTranslations } from "next-intl";
import type { ActionResult } from "@/lib/console/safe-action";
import { ActionFeedback } from "../action-feedback";
import { useConsoleAction } from "../use-console-action";
import { RouteEditor, useRouteDrafts, type RouteValue, type StoredRoute } from "./route-editor";

export function RoutesForm({
  id,
  routes,
  saveRoutes,
}: {
  id: string;
  routes: StoredRoute[];
  saveRoutes: (input: { id: string; routes: RouteValue[] }) => Promise<ActionResult<void>>;
}) {
  const t = useTranslations("webhooks.routes");
  const drafts = useRouteDrafts(routes);
  const action = useConsoleAction(saveRoutes);
  return (
    <form
      className="card section"
      onSubmit={(e) => {
        e.preventDefault();
        action.run({ id, routes: drafts.values() });
      }}
    >
      <h2>{t("title")}</h2>
      <RouteEditor routes={drafts} />
      <button className="button" type="submit" disabled={action.pending} data-testid="save-routes">
        {t("save")}
      </button>
      <ActionFeedback
        error={action.result && !action.result.ok ? action.result.error : null}
        success={action.result?.ok ? t("saved") : null}
      />
    </form>
  );
}
