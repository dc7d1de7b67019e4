import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { withoutMarkupErrors } from "../../src/http/markup-guard";
import { fakeUpstream } from "../helpers/fake-upstream";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("no upstream page on the Worker's origin", () => {
  it("answers an HTML error page from the pass-through as JSON with its status", async () => {
    fakeUpstream(
      [],
      () =>
        new Response("<html><body>502 Bad Gateway</body></html>", {
          status: 502,
          headers: { "content-type": "text/html; charset=utf-8", "content-length": "41" },
        }),
    );
    const res = await exports.default.fetch("http://inflight.test/v1/models", {
      headers: { authorization: "Bearer client-key" },
    });
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-inflight-request-id")).toMatch(/^req_/);
    expect(await res.json()).toEqual({
      error: {
        message: "The upstream answered HTTP 502 with a text/html page.",
        type: "upstream_error",
        code: "upstream_http_error",
        param: null,
      },
    });
  });

  it("leaves successes and errors that are not markup as they are", () => {
    const page = new Response("<html></html>", { headers: { "content-type": "text/html" } });
    expect(withoutMarkupErrors(page)).toBe(page);
    const json = new Response("{}", { status: 500, headers: { "content-type": "application/json" } });
    expect(withoutMarkupErrors(json)).toBe(json);
    const svg = new Response("<svg/>", { status: 404, headers: { "content-type": "image/svg+xml" } });
    expect(withoutMarkupErrors(svg).headers.get("content-type")).toBe("application/json");
  });
});
