import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { readConfig } from "../../src/config";
import { adapterRouting } from "../../src/http/adapter-routing";
import { openaiCompletionsApi } from "../../src/http/apis/openai-chat";
import { createApp } from "../../src/http/app";
import { createProxyHandler } from "../../src/http/proxy-handler";
import { boundedBody } from "../../src/http/request-body";
import type { AppEnv, PackPolicy, RequestRecord } from "../../src/http/types";

export const ADMIN_TOKEN = "admin-test-token";
/**
 * The Worker's env plus the secrets these tests need. The fake engines answer at `*.test` over plain http, which
 * the base-URL policy allows only for listed hosts.
 */
export const testEnv: AppEnv["Bindings"] = {
  ...env,
  ADMIN_TOKEN,
  ADAPTER_ALLOWED_HOSTS: "*.test",
  ...{ ADAPTER_KEY_VLLM: "sk-vllm-backend", ADAPTER_KEY_HF: "hf-download-token" },
};

/** Calls the real app with the test env (and `env` over it) and waits for its `waitUntil` work. */
export async function call(path: string, init: RequestInit = {}, env: Record<string, unknown> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await createApp().request(`http://inflight.test${path}`, init, { ...testEnv, ...env }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** `POST` a chat completion with a client key, as an SDK would. */
export function chat(
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  env: Record<string, unknown> = {},
): Promise<Response> {
  return call(
    "/v1/chat/completions",
    {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer client-key", ...headers },
      body: JSON.stringify({ model: "my-model", messages: [{ role: "user", content: "Tell me a story" }], ...body }),
    },
    env,
  );
}

/** An admin API call with the admin token. */
export function admin(
  method: string,
  path: string,
  body?: unknown,
  env: Record<string, unknown> = {},
): Promise<Response> {
  return call(
    `/admin${path}`,
    {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    },
    env,
  );
}

/** Uploads a prompt tensor: raw `torch.save` bytes, or their base64 text. */
export function uploadPrompt(id: string, file: Uint8Array | string, contentType?: string): Promise<Response> {
  return call(`/admin/adapters/${id}/prompt`, {
    method: "PUT",
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      "content-type": contentType ?? (typeof file === "string" ? "text/plain" : "application/octet-stream"),
    },
    body: file,
  });
}

/**
 * The completion chain as app.ts builds it, behind a stand-in for team authentication that sets a pack policy
 * (with the team's default task) and collects metering records.
 */
export function teamApp(policy: PackPolicy) {
  const routes = ["/v1/chat/completions", "/v1/completions"] as const;
  const records: RequestRecord[] = [];
  const app = new Hono<AppEnv>();
  app.use("*", async function standInTeamAuth(c, next) {
    c.set("config", readConfig(c.env));
    c.set("requestId", "req_test");
    c.set("packPolicy", policy);
    c.set("recordRequest", async (record) => void records.push(record));
    await next();
  });
  app.post(routes[0], boundedBody(), adapterRouting("chat"), createProxyHandler(openaiCompletionsApi("chat")));
  app.post(
    routes[1],
    boundedBody(),
    adapterRouting("completions"),
    createProxyHandler(openaiCompletionsApi("completions")),
  );
  return {
    records,
    /** Posts a chat completion (or, with `path`, a legacy completion) and reads the whole answer. */
    async chat(body: Record<string, unknown>, path: (typeof routes)[number] = routes[0]): Promise<Response> {
      const ctx = createExecutionContext();
      const defaults = path === routes[0] ? { messages: [{ role: "user", content: "Hello" }] } : { prompt: "Hello" };
      const res = await app.request(
        `http://inflight.test${path}`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "my-model", ...defaults, ...body }),
        },
        testEnv,
        ctx,
      );
      await res.clone().text();
      await waitOnExecutionContext(ctx);
      return res;
    },
  };
}
