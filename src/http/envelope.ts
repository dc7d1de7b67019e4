import type { Envelope } from "./doors";
import { errorResponse, type ErrorBody } from "./errors";

/** Anthropic's error type for a status, as its API names them. */
function anthropicType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit_error";
  return status >= 500 ? "api_error" : "invalid_request_error";
}

/**
 * An error in the envelope of the API the client speaks: OpenAI's `{"error": {message, type, code, param}}`,
 * or Anthropic's `{"type": "error", "error": {type, message}}` with inflight's code, param and any extra fields
 * under `details` (as `/v1/messages` reports its own errors).
 */
export function envelopeError(
  envelope: Envelope,
  status: 400 | 401 | 403 | 404 | 405 | 413 | 429 | 503,
  body: ErrorBody,
  headers: Record<string, string> = {},
): Response {
  if (envelope === "openai") return errorResponse(status, body, headers);
  const { message, type: _type, code, param, ...extra } = body.error;
  const details = { ...(code ? { error_code: code } : {}), ...(param ? { param } : {}), ...extra };
  const anthropic = {
    type: "error",
    error: { type: anthropicType(status), message, ...(Object.keys(details).length > 0 ? { details } : {}) },
  };
  return new Response(JSON.stringify(anthropic), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
