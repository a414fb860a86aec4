"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

export type NavItem = { href: string; label: string };

export function ConsoleNav({ items, label }: { items: NavItem[]; label: string }) {
  const pathname = usePathname();
  // The deepest item the path is under is the current one (sync lives under accounts, and is an item of its own).
  const within = (href: string) => (href === "/console" ? pathname === href : pathname === href || pathname.startsWith(`${href}/`));
  const currentHref = items
    .map((item) => item.href)
    .filter(within)
    .sort((a, b) => b.length - a.length)[0];
  return (
    <nav aria-label={label}>
      {items.map((item) => {
        const current = item.href === currentHref;
        return (
          <Link key={item.href} href={item.href} aria-current={current ? "page" : undefined}>
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}
