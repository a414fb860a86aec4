// Errors the credential layer raises, each saying what a human should do about it.
import { hasBrand } from "../brand";

// Branded (lib/brand.ts) like WeChat's errors: told apart by kind, whichever server bundle threw it.
const CREDENTIAL_ERROR = Symbol.for("component-portal.CredentialError");

export class CredentialError extends Error {
  static [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, CREDENTIAL_ERROR);
  }
  readonly [CREDENTIAL_ERROR] = true;

  constructor(
    readonly code: "no_ticket" | "authorizer_revoked" | "needs_reauthorization" | "unknown_authorizer",
    message: string,
  ) {
    super(message);
    this.name = "CredentialError";
  }
}

export const noTicketError = () =>
  new CredentialError(
    "no_ticket",
    "No valid component_verify_ticket yet: WeChat pushes one every 10 minutes to the event URL. A push has been requested (api_start_push_ticket); check that the 授权事件接收URL points at /api/wechat/component/events.",
  );

/**
 * Inside a refresh: what it needs to ask WeChat with (a ticket, a refresh token) is not stored.
 * Callers turn it into a CredentialError or a re-authorization; metrics count it as `credential`.
 */
export class MissingCredential extends Error {}
