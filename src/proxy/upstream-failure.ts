import type { AbortReason, UpstreamWait } from "./abort";
import { redactSecrets } from "./upstream";

/**
 * Why the upstream gave no usable answer before any stream reached the client. Each reason becomes one public
 * error in `describeFailure`; docs/api.md "Failure behaviour" lists them.
 */
export type UpstreamFailure =
  /** The connection could not be made. */
  | { reason: "unreachable"; host: string; detail: string }
  /** A wait ran out: the headers, a whole body, or the request's total limit. */
  | { reason: "timeout"; wait: UpstreamWait; ms: number }
  /** An HTTP error whose body is not JSON (an HTML error page, plain text). */
  | { reason: "error_not_json"; status: number; contentType: string; excerpt: string }
  /** An HTTP error whose body broke off or did not arrive in time. */
  | { reason: "error_body_unreadable"; status: number; detail: string }
  /** A status that is neither success nor an error (1xx, 3xx: inflight follows no redirects). */
  | { reason: "unexpected_status"; status: number }
  /** A success whose body is neither an event stream nor a completion of the API (HTML, empty, other JSON). */
  | { reason: "not_a_completion"; status: number; what: string }
  /** A success whose whole body broke off before it was read. */
  | { reason: "body_unreadable"; detail: string };

/** A failure as the client gets it, before the API puts it in its own envelope. */
export interface PublicFailure {
  status: number;
  message: string;
  type: "upstream_error";
  code: "upstream_unreachable" | "upstream_timeout" | "upstream_http_error" | "upstream_invalid_response";
}

/** An upstream error status kept as it is when it is one, else 502. */
const errorStatus = (status: number) => (status >= 400 && status <= 599 ? status : 502);

const WAITS: Record<UpstreamWait, string> = {
  headers: "sent no response headers",
  body: "did not finish sending its body",
  idle: "made no progress",
  total: "did not finish the request",
};

/** The one place an upstream failure becomes a public error. */
export function describeFailure(failure: UpstreamFailure): PublicFailure {
  const type = "upstream_error" as const;
  switch (failure.reason) {
    case "unreachable":
      return {
        status: 502,
        message: `The upstream at ${failure.host} could not be reached: ${failure.detail}`,
        type,
        code: "upstream_unreachable",
      };
    case "timeout":
      return {
        status: 504,
        message: `The upstream ${WAITS[failure.wait]} within ${failure.ms} ms.`,
        type,
        code: "upstream_timeout",
      };
    case "error_not_json":
      return {
        status: errorStatus(failure.status),
        message:
          `The upstream answered HTTP ${failure.status} with ${failure.contentType || "a body without a content type"}` +
          `, not a JSON error${failure.excerpt ? `: ${failure.excerpt}` : "."}`,
        type,
        code: "upstream_http_error",
      };
    case "error_body_unreadable":
      return {
        status: errorStatus(failure.status),
        message: `The upstream answered HTTP ${failure.status}, and its error body ${failure.detail}.`,
        type,
        code: "upstream_http_error",
      };
    case "unexpected_status":
      return {
        status: 502,
        message: `The upstream answered HTTP ${failure.status}, which is neither a completion nor an error.`,
        type,
        code: "upstream_invalid_response",
      };
    case "not_a_completion":
      return {
        status: 502,
        message: `The upstream answered HTTP ${failure.status} with ${failure.what}, not an event stream or a completion.`,
        type,
        code: "upstream_invalid_response",
      };
    case "body_unreadable":
      return {
        status: 502,
        message: `The upstream's answer broke off before it was read: ${failure.detail}.`,
        type,
        code: "upstream_invalid_response",
      };
  }
}

/** How the session records a failure's abort: a timeout by its wait, anything else as an upstream error. */
export function abortOf(failure: UpstreamFailure): AbortReason {
  return failure.reason === "timeout"
    ? { kind: "timeout", wait: failure.wait, ms: failure.ms }
    : { kind: "upstream_error" };
}

/** A short, secret-free excerpt of a non-JSON body for an error message: tags dropped, whitespace collapsed. */
export function excerptOf(text: string, max = 160): string {
  const plain = text
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  const safe = redactSecrets(plain);
  return safe.length > max ? `${safe.slice(0, max)}…` : safe;
}
