// next-intl's locale narrowed to the two the permission-set names come in.
export type NameLocale = "zh-CN" | "en";

export const toNameLocale = (locale: string): NameLocale => (locale.startsWith("en") ? "en" : "zh-CN");
