// The plain GET form above a console list: its fields become the query string, so a filtered list
// is a link and works without JavaScript.
import Link from "next/link";
import type { ReactNode } from "react";

type Choice = { value: string | number; label: string };

export function FilterForm({
  action,
  label,
  role,
  apply,
  reset,
  children,
}: {
  /** The list's path; "reset" links back to it unfiltered. */
  action: string;
  label: string;
  role?: "search";
  apply: string;
  reset?: string | null;
  children: ReactNode;
}) {
  return (
    <form className="filters card" method="get" action={action} role={role} aria-label={label}>
      {children}
      <div className="filter-buttons">
        <button className="button" type="submit">
          {apply}
        </button>
        {reset ? (
          <Link className="button secondary" href={action}>
            {reset}
          </Link>
        ) : null}
      </div>
    </form>
  );
}

export function FilterField({ label, grow = false, children }: { label: string; grow?: boolean; children: ReactNode }) {
  return (
    <label className={grow ? "field grow" : "field"}>
      <span>{label}</span>
      {children}
    </label>
  );
}

/** A choice among `options` (and `groups` of them); with `anyLabel`, a first choice that leaves the filter out. */
export function FilterSelect({
  label,
  name,
  value,
  anyLabel,
  options = [],
  groups = [],
}: {
  label: string;
  name: string;
  value: string | undefined;
  anyLabel?: string;
  options?: readonly Choice[];
  groups?: readonly { label: string; options: readonly Choice[] }[];
}) {
  const choices = (list: readonly Choice[]) =>
    list.map((choice) => (
      <option key={choice.value} value={choice.value}>
        {choice.label}
      </option>
    ));
  return (
    <FilterField label={label}>
      {/* Named by the label's words alone (wrapped, its name would take in the options' text too). */}
      <select name={name} defaultValue={value ?? ""} aria-label={label}>
        {anyLabel !== undefined ? <option value="">{anyLabel}</option> : null}
        {choices(options)}
        {groups.map((group) => (
          <optgroup key={group.label} label={group.label}>
            {choices(group.options)}
          </optgroup>
        ))}
      </select>
    </FilterField>
  );
}
