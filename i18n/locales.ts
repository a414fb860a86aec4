export const LOCALES = ["zh-CN", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "zh-CN";
export const LOCALE_COOKIE = "portal_locale";
export const isLocale = (value: unknown): value is Locale => LOCALES.includes(value as Locale);
