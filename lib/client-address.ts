// The address a request came from, for throttling and the audit log (sign-in, attempts, console). Behind one load balancer the last
// X-Forwarded-For entry is the one it appended (earlier entries are whatever the client sent);
// `next start` alone fills the header with the socket's address when it is absent.
export function getClientAddress(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for");
  const last = forwarded?.split(",").at(-1)?.trim();
  if (last) return last;
  return headers.get("x-real-ip")?.trim() || "unknown";
}
