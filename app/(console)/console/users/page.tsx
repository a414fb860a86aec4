// /console/users — staff accounts and roles. Everyone sees who has access; only admins change it.
import { getFormatter, getTranslations } from "next-intl/server";
import { DataTable, type Column } from "@/components/console/data-table";
import { CreateStaffForm, StaffRowControls } from "@/components/console/staff-forms";
import { requireStaff } from "@/lib/auth/session";
import { timeWriter } from "@/lib/console/format";
import { mayRun } from "@/lib/console/permissions";
import { listStaffUsers, type StaffUserRow } from "@/lib/console/staff-users";
import { changeRoleAction, createStaffAction, setDisabledAction, setPasswordAction } from "./actions";

export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const staff = await requireStaff();
  const [users, t, format] = await Promise.all([listStaffUsers(), getTranslations("console.users"), getFormatter()]);
  const roles = await getTranslations("console.role");
  const canManage = mayRun(staff.role, "staff.manage");
  const when = timeWriter(format, "minute");
  const columns: Column<StaffUserRow>[] = [
    {
      header: t("email"),
      cell: (user) => (
        <>
          {user.email}
          {user.name ? <div className="small muted">{user.name}</div> : null}
        </>
      ),
    },
    { header: t("role"), testId: "staff-role", cell: (user) => roles(user.role) },
    { header: t("lastSignIn"), className: "small nowrap", cell: (user) => when(user.lastSignInAt) },
    {
      header: t("state"),
      cell: (user) =>
        user.disabledAt ? <span className="badge bad">{t("disabled")}</span> : <span className="badge ok">{t("active")}</span>,
    },
  ];
  if (canManage) {
    columns.push({
      cell: (user) =>
        user.id === staff.id ? (
          <span className="small muted">{t("you")}</span>
        ) : (
          <StaffRowControls
            id={user.id}
            email={user.email}
            role={user.role}
            disabled={!!user.disabledAt}
            changeRole={changeRoleAction}
            setDisabled={setDisabledAction}
            setPassword={setPasswordAction}
          />
        ),
    });
  }
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      {canManage ? (
        <CreateStaffForm createStaff={createStaffAction} />
      ) : (
        <p className="muted small" data-testid="read-only-note">
          {t("adminOnly")}
        </p>
      )}
      <DataTable
        columns={columns}
        rows={users}
        rowKey={(user) => user.id}
        rowData={(user) => ({ "data-testid": "staff-row", "data-email": user.email })}
        frame="card"
        testId="staff-table"
      />
    </>
  );
}
