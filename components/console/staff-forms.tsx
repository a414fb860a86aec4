"use client";
// Admin forms of the staff page: a new account, and per account its role, access and password.
import { useTranslations } from "next-intl";
import { useState } from "react";
import type { ActionResult } from "@/lib/console/safe-action";
import type { StaffRole } from "@/lib/generated/prisma/enums";
import { ActionFeedback } from "./action-feedback";
import { useConsoleAction } from "./use-console-action";

const ROLES: StaffRole[] = ["viewer", "operator", "admin"];

type CreateInput = { email: string; name?: string; role: StaffRole; password: string };

export function CreateStaffForm({
  createStaff,
}: {
  createStaff: (input: CreateInput) => Promise<ActionResult<{ id: string; email: string }>>;
}) {
  const t = useTranslations("console.users");
  const roles = useTranslations("console.role");
  const action = useConsoleAction(createStaff);
  const [form, setForm] = useState<CreateInput>({ email: "", name: "", role: "viewer", password: "" });
  const set = (patch: Partial<CreateInput>) => setForm((f) => ({ ...f, ...patch }));
  return (
    <form
      className="card section"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(form, { onSuccess: () => setForm({ email: "", name: "", role: "viewer", password: "" }) });
      }}
    >
      <h2>{t("createTitle")}</h2>
      <div className="form-row">
        <label className="field grow">
          <span>{t("email")}</span>
          <input type="email" required value={form.email} onChange={(e) => set({ email: e.target.value })} autoComplete="off" />
        </label>
        <label className="field grow">
          <span>{t("name")}</span>
          <input value={form.name} onChange={(e) => set({ name: e.target.value })} maxLength={100} />
        </label>
        <label className="field">
          <span>{t("role")}</span>
          <select value={form.role} onChange={(e) => set({ role: e.target.value as StaffRole })}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {roles(role)}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span>{t("password")}</span>
          <input
            type="password"
            required
            minLength={12}
            value={form.password}
            onChange={(e) => set({ password: e.target.value })}
            autoComplete="new-password"
          />
        </label>
      </div>
      <p className="small muted">{t("roleHelp")}</p>
      <button className="button" type="submit" disabled={action.pending} data-testid="create-staff">
        {action.pending ? t("creating") : t("create")}
      </button>
      <ActionFeedback
        error={action.result && !action.result.ok ? action.result.error : null}
        success={action.result?.ok ? t("created", { email: action.result.data.email }) : null}
      />
    </form>
  );
}

type RowProps = {
  id: string;
  email: string;
  role: StaffRole;
  disabled: boolean;
  changeRole: (input: { id: string; role: StaffRole }) => Promise<ActionResult<void>>;
  setDisabled: (input: { id: string; disabled: boolean }) => Promise<ActionResult<void>>;
  setPassword: (input: { id: string; password: string }) => Promise<ActionResult<void>>;
};

export function StaffRowControls({ id, email, role, disabled, changeRole, setDisabled, setPassword }: RowProps) {
  const t = useTranslations("console.users");
  const roles = useTranslations("console.role");
  const roleAction = useConsoleAction(changeRole);
  const accessAction = useConsoleAction(setDisabled);
  const passwordAction = useConsoleAction(setPassword);
  const [nextRole, setNextRole] = useState<StaffRole>(role);
  const [password, setPasswordValue] = useState("");
  const error =
    [roleAction, accessAction, passwordAction].map((a) => (a.result && !a.result.ok ? a.result.error : null)).find(Boolean) ?? null;
  return (
    <div className="row-controls">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          roleAction.run({ id, role: nextRole });
        }}
      >
        <select aria-label={t("roleFor", { email })} value={nextRole} onChange={(e) => setNextRole(e.target.value as StaffRole)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {roles(r)}
            </option>
          ))}
        </select>
        <button className="button secondary" type="submit" disabled={roleAction.pending || nextRole === role}>
          {t("saveRole")}
        </button>
      </form>
      <button
        className="button secondary"
        type="button"
        disabled={accessAction.pending}
        onClick={() => accessAction.run({ id, disabled: !disabled })}
      >
        {disabled ? t("enable") : t("disable")}
      </button>
      <details>
        <summary className="small">{t("resetPassword")}</summary>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            passwordAction.run({ id, password }, { onSuccess: () => setPasswordValue("") });
          }}
        >
          <input
            type="password"
            aria-label={t("newPasswordFor", { email })}
            minLength={12}
            required
            value={password}
            onChange={(e) => setPasswordValue(e.target.value)}
            autoComplete="new-password"
          />
          <button className="button secondary" type="submit" disabled={passwordAction.pending}>
            {t("setPassword")}
          </button>
        </form>
      </details>
      <ActionFeedback error={error} success={passwordAction.result?.ok ? t("passwordSet") : null} />
    </div>
  );
}
