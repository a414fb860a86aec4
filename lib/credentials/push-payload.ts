// A received push is stored sealed until it is processed: it carries the verify ticket or an auth
// code. Its dedupe key is bound as associated data, so a payload copied into another push's row
// does not open.
import { open, seal, type Sealed } from "./vault";

export const payloadContext = (dedupeKey: string) => `push:${dedupeKey}`;

export const sealPushPayload = ({ dedupeKey, xml }: { dedupeKey: string; xml: string }): Sealed =>
  seal({ plaintext: xml, context: payloadContext(dedupeKey) });

export const openPushPayload = ({ dedupeKey, sealed }: { dedupeKey: string; sealed: Sealed }): string =>
  open({ sealed, context: payloadContext(dedupeKey) });
