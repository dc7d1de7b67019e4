import { errorBody, errorResponse } from "./errors";

/** Content types a browser would render or run on the Worker's origin (where the dashboard lives). */
const MARKUP = /html|xml|svg/i;

/**
 * An error response whose body is markup (an upstream's HTML error page relayed by a route) becomes a JSON error
 * in OpenAI's envelope, with the same status: no page from an upstream is ever served on the Worker's origin.
 * Responses that are not errors, and errors in JSON or text, are returned as they are.
 */
export function withoutMarkupErrors(response: Response): Response {
  if (response.status < 400 || !MARKUP.test(response.headers.get("content-type") ?? "")) return response;
  response.body?.cancel().catch(() => undefined);
  const status = response.status > 599 ? 502 : (response.status as 500);
  return errorResponse(
    status,
    errorBody(
      `The upstream answered HTTP ${response.status} with a ${response.headers.get("content-type")?.split(";")[0]} page.`,
      "upstream_error",
      "upstream_http_error",
    ),
  );
}
