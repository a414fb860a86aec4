// How the console writes a moment, in the staff member's language: one set of options for every page
// (server pages pass getFormatter(), client components useFormatter()), so a time reads the same everywhere.
import type { createFormatter, DateTimeFormatOptions } from "next-intl";

/**
 * To the second where events are told apart (logs, pushes, tokens); to the minute in lists of
 * things people made (keys, links, staff, accounts).
 */
const PRECISION = {
  second: { dateStyle: "medium", timeStyle: "medium" },
  minute: { dateStyle: "medium", timeStyle: "short" },
} as const satisfies Record<string, DateTimeFormatOptions>;

export type TimePrecision = keyof typeof PRECISION;

/** A chart's hour axis: "14:00". */
export const HOUR_OF_DAY = { hour: "2-digit", minute: "2-digit" } as const satisfies DateTimeFormatOptions;

type DateTimeFormatter = Pick<ReturnType<typeof createFormatter>, "dateTime">;

/** A moment (or its ISO text, as JSON reports carry it); "—" where there is none. */
export type When = (moment: Date | string | null) => string;

export function timeWriter(format: DateTimeFormatter, precision: TimePrecision = "second"): When {
  return (moment) => (moment ? format.dateTime(new Date(moment), PRECISION[precision]) : "—");
}
