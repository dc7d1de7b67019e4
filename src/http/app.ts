import { Hono } from "hono";
import { readConfig } from "../config";
import { adapterRouting } from "./adapter-routing";
import { adapterAdminRoutes } from "./admin/adapters";
import { anthropicMessagesApi } from "./apis/anthropic";
import { openaiCompletionsApi } from "./apis/openai-chat";
import { openaiResponsesApi } from "./apis/responses";
import { createProxyHandler } from "./proxy-handler";
import { errorBody, errorResponse } from "./errors";
import { createAdminRoutes } from "./admin";
import { teamUsageHandler } from "./admin/usage";
import { passthroughHandler } from "./passthrough";
import { TEAM_USAGE_PATH, teamAuth } from "./team-auth";
import type { AppEnv } from "./types";

/** The Worker's HTTP surface. */
export function createApp() {
  const app = new Hono<AppEnv>();

  app.use("*", async function requestIdentity(c, next) {
    const requestId = `req_${crypto.randomUUID().replaceAll("-", "")}`;
    c.set("requestId", requestId);
    c.set("config", readConfig(c.env));
    await next();
    // Responses built from an upstream's have immutable headers; copy once to add ours.
    try {
      c.res.headers.set("x-inflight-request-id", requestId);
    } catch {
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set("x-inflight-request-id", requestId);
    }
  });

  // Team keys (README: Teams, keys and metering): before every /v1 route, so nothing is forwarded for an unauthenticated request.
  app.use("/v1/*", teamAuth());
  app.get(TEAM_USAGE_PATH, teamUsageHandler);
  // Task -> adapter routing (README: Per-task adapters): after team authentication, before the completion handlers.
  app.post("/v1/chat/completions", adapterRouting("chat"));
  app.post("/v1/completions", adapterRouting("completions"));
  app.post("/v1/chat/completions", createProxyHandler(openaiCompletionsApi("chat")));
  app.post("/v1/completions", createProxyHandler(openaiCompletionsApi("completions")));
  app.post("/v1/responses", createProxyHandler(openaiResponsesApi()));
  app.post("/v1/messages", createProxyHandler(anthropicMessagesApi()));
  app.all("/v1/*", passthroughHandler);
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
        "/v1/* (forwarded)",
        "/admin/*",
      ],
    }),
  );

  app.notFound(() =>
    errorResponse(
      404,
      errorBody("Not found. inflight serves /v1/* (OpenAI-compatible).", "invalid_request_error", "not_found"),
    ),
  );
  app.onError((error) => {
    console.error(
      JSON.stringify({ msg: "inflight.error", error: error instanceof Error ? error.message : String(error) }),
    );
    return errorResponse(500, errorBody("inflight failed to handle the request.", "server_error", "internal_error"));
  });
  return app;
}
