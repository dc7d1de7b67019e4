/**
 * Which door a `/v1` request may use. Each proxied API has exactly one: its canonical path with `POST`. A short
 * allow-list of other OpenAI routes (models, embeddings, moderations, files) is forwarded upstream unchanged.
 * Everything else is refused, and nothing here decodes or normalises the path: a spelling that only a lenient
 * upstream would read as a completion route (`/v1/chat/completions/`, `//`, other case, `%2F`, `;x`) never
 * leaves the Worker. Pure: no Hono, no bindings.
 */

/** The four APIs inflight validates in flight. */
export type ProxiedApi = "chat" | "completions" | "responses" | "messages";

/** Whose error envelope a route answers in. */
export type Envelope = "openai" | "anthropic";

/** A forwarded route: what it is, and what inflight reads of it. */
export interface ForwardedRoute {
  /** Route template as metered, e.g. `/v1/models/{id}`. */
  template: string;
  methods: readonly string[];
  /** `json`: a JSON body whose `model` policies check; `bytes`: forwarded as it came (multipart uploads). */
  body: "json" | "bytes" | "none";
  /** The JSON answer carries `usage` (at its end, as OpenAI writes it), which metering reads. */
  usage: boolean;
}

/** Where a request goes, or why it may not go anywhere. */
export type Door =
  | { kind: "proxied"; api: ProxiedApi; route: string; envelope: Envelope }
  | { kind: "forwarded"; forwarded: ForwardedRoute; route: string; envelope: "openai" }
  | { kind: "usage"; route: string; envelope: "openai" }
  | { kind: "wrong_method"; allow: readonly string[]; envelope: Envelope }
  | { kind: "not_found"; suggestion: string | null; envelope: Envelope };

const PROXIED: Record<string, ProxiedApi> = {
  "/v1/chat/completions": "chat",
  "/v1/completions": "completions",
  "/v1/responses": "responses",
  "/v1/messages": "messages",
};

export const TEAM_USAGE_PATH = "/v1/inflight/usage";

/** An id as a path segment: starts with a letter or digit (so never `.` or `..`), no `%`, `/` or `;`. */
const ID = "[A-Za-z0-9][A-Za-z0-9._:-]{0,255}";

const FORWARDED: readonly (ForwardedRoute & { pattern: RegExp })[] = [
  { template: "/v1/models", pattern: /^\/v1\/models$/, methods: ["GET", "HEAD"], body: "none", usage: false },
  {
    template: "/v1/models/{id}",
    pattern: new RegExp(`^/v1/models/${ID}$`),
    methods: ["GET", "HEAD"],
    body: "none",
    usage: false,
  },
  { template: "/v1/embeddings", pattern: /^\/v1\/embeddings$/, methods: ["POST"], body: "json", usage: true },
  { template: "/v1/moderations", pattern: /^\/v1\/moderations$/, methods: ["POST"], body: "json", usage: false },
  { template: "/v1/files", pattern: /^\/v1\/files$/, methods: ["GET", "HEAD", "POST"], body: "bytes", usage: false },
  {
    template: "/v1/files/{id}",
    pattern: new RegExp(`^/v1/files/${ID}$`),
    methods: ["GET", "HEAD", "DELETE"],
    body: "none",
    usage: false,
  },
  {
    template: "/v1/files/{id}/content",
    pattern: new RegExp(`^/v1/files/${ID}/content$`),
    methods: ["GET", "HEAD"],
    body: "none",
    usage: false,
  },
];

/** The forwarded routes, for documentation and tests. */
export const FORWARDED_ROUTES: readonly ForwardedRoute[] = FORWARDED;

/**
 * The path of a request URL exactly as it arrived: no percent-decoding, no trailing-slash or case folding
 * (Hono decodes `%63` to `c`, which is why routing alone cannot be trusted here).
 */
export function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start === -1) return "/";
  const end = url.slice(start).search(/[?#]/);
  return end === -1 ? url.slice(start) : url.slice(start, start + end);
}

/**
 * What a path names once a lenient server has folded it: percent-decoded, lower-case, `;params`, control
 * characters and spaces dropped, empty and `.` segments dropped, `..` applied, no trailing slash. Only used to
 * word a refusal (and pick its envelope).
 */
export function normalisedPath(path: string): string {
  let decoded = path;
  for (let round = 0; round < 3 && decoded.includes("%"); round++) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      break;
    }
  }
  const segments: string[] = [];
  for (const raw of decoded.toLowerCase().split("/")) {
    // eslint-disable-next-line no-control-regex -- NUL, whitespace and other control bytes a server might drop
    const segment = raw.split(";")[0]!.replace(/[\u0000-\u0020\u007f]+/g, "");
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join("/")}`;
}

const envelopeOf = (path: string): Envelope => (path === "/v1/messages" ? "anthropic" : "openai");

/**
 * The door for `method` on `path` (as `rawPath` gives it). Exact canonical paths only; a wrong method on a
 * known path is `wrong_method` (405 with `Allow`), anything else `not_found`, with the route it resembles.
 */
export function findDoor(method: string, path: string): Door {
  const api = PROXIED[path];
  if (api !== undefined) {
    return method === "POST"
      ? { kind: "proxied", api, route: `POST ${path}`, envelope: envelopeOf(path) }
      : { kind: "wrong_method", allow: ["POST"], envelope: envelopeOf(path) };
  }
  if (path === TEAM_USAGE_PATH) {
    return method === "GET" || method === "HEAD"
      ? { kind: "usage", route: `GET ${path}`, envelope: "openai" }
      : { kind: "wrong_method", allow: ["GET", "HEAD"], envelope: "openai" };
  }
  const forwarded = FORWARDED.find((route) => route.pattern.test(path));
  if (forwarded) {
    const { pattern: _pattern, ...route } = forwarded;
    return route.methods.includes(method)
      ? { kind: "forwarded", forwarded: route, route: `${method} ${route.template}`, envelope: "openai" }
      : { kind: "wrong_method", allow: route.methods, envelope: "openai" };
  }
  return { kind: "not_found", ...resemblance(path) };
}

/** The route a path not served names once folded (`normalisedPath`), and the envelope to refuse it in. */
export function resemblance(path: string): { suggestion: string | null; envelope: Envelope } {
  const folded = normalisedPath(path);
  const suggestion =
    PROXIED[folded] !== undefined || folded === TEAM_USAGE_PATH
      ? folded
      : (FORWARDED.find((route) => route.pattern.test(folded))?.template ?? null);
  return { suggestion, envelope: envelopeOf(folded) };
}
