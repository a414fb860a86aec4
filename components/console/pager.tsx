// The links under a paged console list: the previous page (or a spacer keeping "next" on the right) and the next one.
import Link from "next/link";

type PageLink = { href: string; label: string };

export function Pager({ label, previous, next }: { label?: string; previous?: PageLink | null; next?: PageLink | null }) {
  return (
    <nav className="pager" aria-label={label}>
      {previous ? (
        <Link className="button secondary" href={previous.href} rel="prev">
          {previous.label}
        </Link>
      ) : (
        <span />
      )}
      {next ? (
        <Link className="button secondary" href={next.href} rel="next">
          {next.label}
        </Link>
      ) : null}
    </nav>
  );
}
