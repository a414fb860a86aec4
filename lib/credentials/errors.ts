// Errors the credential layer raises, each saying what a human should do about it.
export class CredentialError extends Error {
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
