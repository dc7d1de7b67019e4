import { Hono } from "hono";
import { readConfig } from "../config";
import { adapterRouting } from "./adapter-routing";
import { adapterAdminRoutes } from "./admin/adapters";
import { PROXIED_APIS } from "./apis";
import { createProxyHandler } from "./proxy-handler";
import { errorBody, errorResponse } from "./errors";
import { withoutMarkupErrors } from "./markup-guard";
import { createAdminRoutes } from "./admin";
import { boundedAdminIds } from "./admin/path-ids";
import { teamUsageHandler } from "./admin/usage";
import { TEAM_USAGE_PATH } from "./doors";
import { passthroughHandler } from "./passthrough";
import { boundedBody } from "./request-body";
import { routeDoors, unrouted } from "./route-doors";
import { teamAuth } from "./team-auth";
import type { AppEnv } from "./types";

/** The Worker's HTTP surface. */
export function createApp() {
  const app = new Hono<AppEnv>();

  app.use("*", async function requestIdentity(c, next) {
    const requestId = `req_${crypto.randomUUID().replaceAll("-", "")}`;
    c.set("requestId", requestId);
    c.set("clientSignal", c.req.raw.signal);
    c.set("config", readConfig(c.env));
    await next();
    const guarded = withoutMarkupErrors(c.res);
    if (guarded !== c.res) {
      // Replaced over nothing: Hono would copy the replaced page's headers (its length, its type) onto it.
      c.res = undefined;
      c.res = guarded;
    }
    // Responses built from an upstream's have immutable headers; copy once to add ours.
    try {
      c.res.headers.set("x-inflight-request-id", requestId);
    } catch {
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set("x-inflight-request-id", requestId);
    }
  });

  // One door per route (docs/api.md, Endpoints): any other method or spelling is refused before anything else runs.
  app.use("/v1/*", routeDoors());
  // Team keys (docs/teams.md): before every /v1 route, so nothing is forwarded for an unauthenticated request.
  app.use("/v1/*", teamAuth());
  // Every body is read once, bounded by MAX_REQUEST_BYTES, before any route reads it.
  app.use("/v1/*", boundedBody());
  app.get(TEAM_USAGE_PATH, teamUsageHandler);
  // Task -> adapter routing (docs/adapters.md): after team authentication, before the completion handlers.
  app.post("/v1/chat/completions", adapterRouting("chat"));
  app.post("/v1/completions", adapterRouting("completions"));
  app.post("/v1/chat/completions", createProxyHandler(PROXIED_APIS.chat));
  app.post("/v1/completions", createProxyHandler(PROXIED_APIS.completions));
  app.post("/v1/responses", createProxyHandler(PROXIED_APIS.responses));
  app.post("/v1/messages", createProxyHandler(PROXIED_APIS.messages));
  // Only the allow-listed routes get this far (see doors.ts).
  app.all("/v1/*", passthroughHandler);
  app.use("/admin/*", boundedAdminIds());
  app.route("/admin", createAdminRoutes());
  app.route("/admin", adapterAdminRoutes());
  app.get("/", (c) =>
    c.json({
      name: "inflight",
      endpoints: [
        "POST /v1/chat/completions",
        "POST /v1/completions",
        "POST /v1/responses",
        "POST /v1/messages",
        "GET /v1/inflight/usage",
        "GET /v1/models, GET /v1/models/{id}, POST /v1/embeddings, POST /v1/moderations, /v1/files (forwarded)",
        "/admin/*",
      ],
    }),
  );

  app.notFound(unrouted);
  app.onError((error) => {
    console.error(
      JSON.stringify({ msg: "inflight.error", error: error instanceof Error ? error.message : String(error) }),
    );
    return errorResponse(500, errorBody("inflight failed to handle the request.", "server_error", "internal_error"));
  });
  return app;
}
