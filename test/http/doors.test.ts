import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { findDoor, normalisedPath, rawPath } from "../../src/http/doors";
import { chatFrames, fakeUpstream } from "../helpers/fake-upstream";

const ORIGIN = "http://inflight.test";
const PROXIED = ["/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages"] as const;

const BODIES: Record<(typeof PROXIED)[number], Record<string, unknown>> = {
  "/v1/chat/completions": { model: "m", messages: [{ role: "user", content: "Hi" }] },
  "/v1/completions": { model: "m", prompt: "Hi" },
  "/v1/responses": { model: "m", input: "Hi" },
  "/v1/messages": { model: "m", max_tokens: 16, messages: [{ role: "user", content: "Hi" }] },
};

/** Every other spelling of a canonical path that a lenient server could fold back onto it. */
function spellings(path: string): string[] {
  const [, v1, ...rest] = path.split("/");
  const tail = rest.join("/");
  return [
    `${path}/`,
    `/${v1}//${tail}`,
    `//${v1}/${tail}`,
    path.toUpperCase(),
    `/${v1}/${tail.charAt(0).toUpperCase()}${tail.slice(1)}`,
    `/${v1}%2F${tail}`,
    `/${v1}%2f${tail}`,
    `/${v1}/${tail}`.replace(/\/(?=[^/]*$)/, "%2F"),
    `/${v1}/%${tail.charCodeAt(0).toString(16)}${tail.slice(1)}`,
    `${path};x`,
    `/${v1};x/${tail}`,
    `${path}%20`,
    `${path}/%2e`,
    `${path}%00`,
  ];
}

function send(method: string, path: string, body?: unknown): Promise<Response> {
  return exports.default.fetch(`${ORIGIN}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      authorization: "Bearer client-key",
      "anthropic-version": "2023-06-01",
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("one door per proxied route", () => {
  for (const path of PROXIED) {
    const anthropic = path === "/v1/messages";

    it.each(spellings(path))(
      `refuses %s with 404 in the API's envelope, forwarding nothing (${path})`,
      async (spelling) => {
        const upstream = fakeUpstream(chatFrames(["Hi"]));
        const res = await send("POST", spelling, BODIES[path]);
        expect(res.status).toBe(404);
        const body = (await res.json()) as Record<string, any>;
        if (anthropic)
          expect(body).toMatchObject({
            type: "error",
            error: { type: "not_found_error", details: { error_code: "not_found" } },
          });
        else expect(body).toMatchObject({ error: { type: "invalid_request_error", code: "not_found", param: null } });
        expect(upstream.requests).toHaveLength(0);
      },
    );

    it.each(["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])(
      `answers %s ${path} with 405 and Allow: POST, forwarding nothing`,
      async (method) => {
        const upstream = fakeUpstream(chatFrames(["Hi"]));
        const withBody = method !== "GET" && method !== "HEAD";
        const res = await send(method, path, withBody ? BODIES[path] : undefined);
        expect(res.status).toBe(405);
        expect(res.headers.get("allow")).toBe("POST");
        if (method !== "HEAD") {
          const body = (await res.json()) as Record<string, any>;
          if (anthropic)
            expect(body).toMatchObject({ type: "error", error: { details: { error_code: "method_not_allowed" } } });
          else expect(body).toMatchObject({ error: { code: "method_not_allowed" } });
        }
        expect(upstream.requests).toHaveLength(0);
      },
    );
  }

  it("sends dot segments, which URL parsing folds before the Worker sees them, to the validated handler", async () => {
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const res = await send("POST", "/v1/models/../chat/./completions", BODIES["/v1/chat/completions"]);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-inflight-packs")).toBe("default");
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.url).toBe("http://upstream.test/v1/chat/completions");
    expect(upstream.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });
});

describe("the pass-through allow-list", () => {
  it.each([
    ["GET", "/v1/models", "http://upstream.test/v1/models"],
    ["GET", "/v1/models/gpt-4o-mini", "http://upstream.test/v1/models/gpt-4o-mini"],
    ["GET", "/v1/models/ft:gpt-4o-mini:acme::abc123", "http://upstream.test/v1/models/ft:gpt-4o-mini:acme::abc123"],
    ["POST", "/v1/embeddings", "http://upstream.test/v1/embeddings"],
    ["POST", "/v1/moderations", "http://upstream.test/v1/moderations"],
    ["GET", "/v1/files?purpose=batch", "http://upstream.test/v1/files?purpose=batch"],
    ["GET", "/v1/files/file-abc123", "http://upstream.test/v1/files/file-abc123"],
    ["DELETE", "/v1/files/file-abc123", "http://upstream.test/v1/files/file-abc123"],
    ["GET", "/v1/files/file-abc123/content", "http://upstream.test/v1/files/file-abc123/content"],
  ])("forwards %s %s", async (method, path, target) => {
    const upstream = fakeUpstream([], () => Response.json({ object: "list", data: [] }));
    const res = await send(
      method,
      path,
      method === "POST" ? { model: "text-embedding-3-small", input: "Hi" } : undefined,
    );
    expect(res.status).toBe(200);
    expect(upstream.requests.map((r) => r.url)).toEqual([target]);
  });

  it.each([
    "/v1/batches",
    "/v1/assistants",
    "/v1/threads/runs",
    "/v1/chat/completions/chatcmpl-1",
    "/v1/responses/resp_1",
    "/v1/realtime/sessions",
    "/v1/fine_tuning/jobs",
    "/v1/models/../chat/completions",
    "/v1/models/%2e%2e",
    "/v1/models/a%2Fb",
    "/v1/files/file-1/../../chat/completions",
    "/v1/embeddings/",
    "/v1",
    "/v1/",
    "/v1/inflight",
  ])("refuses %s with 404, forwarding nothing", async (path) => {
    const upstream = fakeUpstream([], () => Response.json({}));
    const res = await send("POST", path, BODIES["/v1/chat/completions"]);
    // `/v1/models/../chat/completions` is folded by URL parsing into the validated route; that is not a door. (The
    // fake's `{}` is no completion, so the validated handler answers it with 502.)
    if (res.status !== 404) expect(upstream.requests[0]!.url).toBe("http://upstream.test/v1/chat/completions");
    else {
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
      expect(upstream.requests).toHaveLength(0);
    }
  });

  it("answers a wrong method on an allow-listed route with 405 and its own Allow", async () => {
    const upstream = fakeUpstream([], () => Response.json({}));
    const res = await send("DELETE", "/v1/models");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    const put = await send("PUT", "/v1/embeddings", { input: "x" });
    expect(put.headers.get("allow")).toBe("POST");
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("doors, as pure functions", () => {
  it("reads the path exactly as it arrived, and says which route a folded spelling resembles", () => {
    expect(rawPath("http://h/v1/chat%2Fcompletions?x=1#y")).toBe("/v1/chat%2Fcompletions");
    expect(rawPath("http://h")).toBe("/");
    expect(normalisedPath("/V1//Chat%2Fcompletions;x/")).toBe("/v1/chat/completions");
    expect(normalisedPath("/v1/models/../messages/.")).toBe("/v1/messages");
    expect(findDoor("POST", "/v1/Messages")).toEqual({
      kind: "not_found",
      suggestion: "/v1/messages",
      envelope: "anthropic",
    });
    expect(findDoor("POST", "/v1/nothing")).toEqual({ kind: "not_found", suggestion: null, envelope: "openai" });
    expect(findDoor("POST", "/v1/messages")).toMatchObject({ kind: "proxied", api: "messages", envelope: "anthropic" });
  });
});
