/** Request headers never sent upstream: hop-by-hop, ones the runtime sets, and cookies. */
const DROPPED = new Set([
  "host",
  "content-length",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "accept-encoding",
  "cookie",
]);

/** Which credentials go upstream: the configured provider key in its header, or else the client's own. */
export interface UpstreamCredentials {
  key?: string;
  keyHeader: "authorization" | "x-api-key";
}

/**
 * Headers for the upstream request: the client's, minus hop-by-hop, `x-inflight-*`, `cf-*` and forwarding
 * headers, with the configured provider key in place of the client's credentials when one is set.
 * `dropClientCredentials` is set when the client authenticated with an inflight team key.
 */
export function upstreamHeaders(
  incoming: Headers,
  credentials: UpstreamCredentials,
  dropClientCredentials = false,
): Headers {
  const headers = new Headers();
  const replace = credentials.key !== undefined || dropClientCredentials;
  for (const [name, value] of incoming) {
    const lower = name.toLowerCase();
    if (DROPPED.has(lower) || lower.startsWith("x-inflight-") || lower.startsWith("cf-")) continue;
    if (lower.startsWith("x-forwarded-") || lower === "x-real-ip") continue;
    if (replace && (lower === "authorization" || lower === "x-api-key")) continue;
    headers.set(name, value);
  }
  if (credentials.key !== undefined) {
    headers.set(
      credentials.keyHeader,
      credentials.keyHeader === "authorization" ? `Bearer ${credentials.key}` : credentials.key,
    );
  }
  return headers;
}

/** Text from the upstream's side with anything shaped like a credential (a bearer token, a key) removed. */
export function redactSecrets(text: string): string {
  return text
    .replace(/Bearer\s+\S+/gi, "Bearer [redacted]")
    .replace(/\b(?:sk|ifk)[-_][A-Za-z0-9_-]{8,}/gi, "[redacted]");
}

/** A short, secret-free description of a fetch failure. */
export function describeFetchError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactSecrets(message).slice(0, 200);
}
