"use client";
// What staff do to one endpoint: send a test event (and see what it answered), rotate the secret
// (the new one shown once; the old one keeps signing for 24 h), disable with a reason or enable, and
// delete. Each button is shown only to a role that may use it; the server checks again.
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { ActionResult } from "@/lib/console/safe-action";
import type { DeliveryOutcome } from "@/lib/webhooks/deliveries";
import { ActionFeedback } from "../action-feedback";
import { useConsoleAction } from "../use-console-action";
import { SecretOnce } from "./secret-once";

type Id = { id: string };

type Props = {
  id: string;
  disabled: boolean;
  canTest: boolean;
  canManage: boolean;
  sendTest: (input: Id) => Promise<ActionResult<DeliveryOutcome>>;
  rotateSecret: (input: Id) => Promise<ActionResult<{ secret: string; previousExpiresAt: Date }>>;
  disableEndpoint: (input: Id & { reason?: string }) => Promise<ActionResult<void>>;
  enableEndpoint: (input: Id) => Promise<ActionResult<void>>;
  deleteEndpoint: (input: Id) => Promise<ActionResult<void>>;
};

function TestOutcome({ outcome }: { outcome: DeliveryOutcome }) {
  const t = useTranslations("webhooks.test");
  return (
    <div className={outcome.ok ? "notice" : "notice bad"} role="status" data-testid="test-outcome" data-ok={String(outcome.ok)}>
      <p>
        <strong>{outcome.ok ? t("delivered") : t("failed")}</strong>{" "}
        <span className="small">
          {t("status", { status: outcome.status ?? "—" })} · {t("latency", { ms: outcome.latencyMs })}
        </span>
      </p>
      {outcome.error ? <p className="small error">{outcome.error}</p> : null}
      {outcome.response ? <pre className="json small">{outcome.response}</pre> : null}
    </div>
  );
}

export function EndpointActions(props: Props) {
  const t = useTranslations("webhooks.actions");
  const router = useRouter();
  const test = useConsoleAction(props.sendTest);
  const rotate = useConsoleAction(props.rotateSecret);
  const disable = useConsoleAction(props.disableEndpoint);
  const enable = useConsoleAction(props.enableEndpoint);
  const remove = useConsoleAction(props.deleteEndpoint);
  const [reason, setReason] = useState("");
  const errorOf = (...results: (ActionResult<unknown> | null)[]) => {
    for (const result of results) if (result && !result.ok) return result.error;
    return null;
  };
  const rotated = rotate.result?.ok ? rotate.result.data : null;
  return (
    <section className="card section" data-testid="endpoint-actions">
      <h2>{t("title")}</h2>
      <div className="form-row">
        {props.canTest ? (
          <button
            className="button"
            type="button"
            disabled={test.pending}
            onClick={() => test.run({ id: props.id })}
            data-testid="send-test"
          >
            {test.pending ? t("testing") : t("test")}
          </button>
        ) : null}
        {props.canManage ? (
          <>
            <button
              className="button secondary"
              type="button"
              disabled={rotate.pending}
              onClick={() => {
                if (window.confirm(t("rotateConfirm"))) rotate.run({ id: props.id });
              }}
              data-testid="rotate-secret"
            >
              {t("rotate")}
            </button>
            {props.disabled ? (
              <button
                className="button secondary"
                type="button"
                disabled={enable.pending}
                onClick={() => enable.run({ id: props.id })}
                data-testid="enable-endpoint"
              >
                {t("enable")}
              </button>
            ) : (
              <span className="inline-form">
                <input
                  aria-label={t("reason")}
                  placeholder={t("reason")}
                  value={reason}
                  maxLength={500}
                  onChange={(e) => setReason(e.target.value)}
                />
                <button
                  className="button secondary danger"
                  type="button"
                  disabled={disable.pending}
                  onClick={() => disable.run({ id: props.id, reason: reason.trim() || undefined })}
                  data-testid="disable-endpoint"
                >
                  {t("disable")}
                </button>
              </span>
            )}
            <button
              className="button secondary danger"
              type="button"
              disabled={remove.pending}
              onClick={() => {
                if (window.confirm(t("deleteConfirm"))) {
                  remove.run({ id: props.id }, { refresh: false, onSuccess: () => router.push("/console/webhooks") });
                }
              }}
              data-testid="delete-endpoint"
            >
              {t("delete")}
            </button>
          </>
        ) : null}
      </div>
      <ActionFeedback error={errorOf(test.result, rotate.result, disable.result, enable.result, remove.result)} />
      {test.result?.ok ? <TestOutcome outcome={test.result.data} /> : null}
      {rotated ? (
        <SecretOnce secret={rotated.secret}>
          <p className="small">{t("rotated", { time: new Date(rotated.previousExpiresAt).toLocaleString() })}</p>
        </SecretOnce>
      ) : null}
    </section>
  );
}

export function RedeliverButton({
  deliveryId,
  redeliver,
}: {
  deliveryId: string;
  redeliver: (input: { deliveryId: string }) => Promise<ActionResult<void>>;
}) {
  const t = useTranslations("webhooks.log");
  const action = useConsoleAction(redeliver);
  return (
    <>
      <button
        className="button secondary small"
        type="button"
        disabled={action.pending}
        onClick={() => action.run({ deliveryId })}
        data-testid="redeliver"
      >
        {action.result?.ok ? t("requeued") : t("redeliver")}
      </button>
      <ActionFeedback error={action.result && !action.result.ok ? action.result.error : null} />
    </>
  );
}
