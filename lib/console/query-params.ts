// A console page's query string, read leniently: a hand-edited or stale URL shows the page with the
// odd parameter dropped rather than an error page.
import { z } from "zod";

/** What a page component receives as `searchParams`. */
export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** A repeated parameter counts once: its first value. */
export const firstValue = (value: unknown) => (Array.isArray(value) ? value[0] : value);

/** A parameter that may be absent: blank or invalid reads as absent. */
export const optionalParam = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (firstValue(v) === "" ? undefined : firstValue(v)), schema.optional()).catch(undefined);
