// An event type's key in messages (webhooks.events): next-intl reads a dot as nesting, so
// "authorizer.authorized" is kept as "authorizer_authorized".
export const eventMessageKey = (type: string) => type.replace(/\./g, "_");
