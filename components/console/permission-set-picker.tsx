"use client";
// Ticking permission sets for an authorization link (category_id_list): the choice, one checkbox per
// set, and the new-link form's groups of them (公众号 / 小程序, lib/console/permission-set-groups.ts).
import { useTranslations } from "next-intl";
import { useState } from "react";
import type { PermissionSetChoice, PermissionSetGroup } from "@/lib/console/permission-set-groups";

export type SetSelection = { chosen: ReadonlySet<number>; toggle: (id: number) => void };

export function useSetSelection(initial: readonly number[] = []): SetSelection {
  const [chosen, setChosen] = useState<ReadonlySet<number>>(() => new Set(initial));
  const toggle = (id: number) =>
    setChosen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return { chosen, toggle };
}

export function PermissionSetCheckbox({
  set,
  selection,
  missing,
}: {
  set: Pick<PermissionSetChoice, "id" | "name">;
  selection: SetSelection;
  /** For a set the account lacks: the word its badge says. */
  missing?: string | null;
}) {
  return (
    <label className={missing ? "set-option missing" : "set-option"}>
      <input type="checkbox" checked={selection.chosen.has(set.id)} onChange={() => selection.toggle(set.id)} data-set-id={set.id} />
      <span>
        {set.name} <span className="muted small">({set.id})</span>
        {missing ? <span className="badge warn">{missing}</span> : null}
      </span>
    </label>
  );
}

/** Each account type's sets folded under its name, with how many of them are ticked. */
export function PermissionSetPicker({ groups, selection }: { groups: PermissionSetGroup[]; selection: SetSelection }) {
  const groupLabel = useTranslations("console.setGroup");
  return groups.map((group) => (
    <details key={group.accountType} className="set-group">
      <summary>
        {groupLabel(group.accountType)} <span className="muted small">({group.sets.filter((s) => selection.chosen.has(s.id)).length})</span>
      </summary>
      <fieldset className="set-picker">
        <legend className="sr-only">{groupLabel(group.accountType)}</legend>
        {group.sets.map((set) => (
          <PermissionSetCheckbox key={set.id} set={set} selection={selection} />
        ))}
      </fieldset>
    </details>
  ));
}
