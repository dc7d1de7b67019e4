import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { readConfig } from "../../src/config";
import { adapterRouting } from "../../src/http/adapter-routing";
import { openaiCompletionsApi } from "../../src/http/apis/openai-chat";
import { createApp } from "../../src/http/app";
import { createProxyHandler } from "../../src/http/proxy-handler";
import type { AppEnv, PackPolicy, RequestRecord } from "../../src/http/types";

export const ADMIN_TOKEN = "admin-test-token";
/** The Worker's env plus the secrets these tests need. */
export const testEnv: AppEnv["Bindings"] = { ...env, ADMIN_TOKEN, ...{ ADAPTER_KEY_VLLM: "sk-vllm-backend" } };

/** Calls the real app with the test env and waits for its `waitUntil` work. */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await createApp().request(`http://inflight.test${path}`, init, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** `POST` a chat completion with a client key, as an SDK would. */
export function chat(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return call("/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer client-key", ...headers },
    body: JSON.stringify({ model: "my-model", messages: [{ role: "user", content: "Tell me a story" }], ...body }),
  });
}

/** An admin API call with the admin token. */
export function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return call(`/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/**
 * The completion chain as app.ts builds it, behind a stand-in for team authentication that sets a pack policy
 * (with the team's default task) and collects metering records.
 */
export function teamApp(policy: PackPolicy) {
  const records: RequestRecord[] = [];
  const app = new Hono<AppEnv>();
  app.use("*", async function standInTeamAuth(c, next) {
    c.set("config", readConfig(c.env));
    c.set("requestId", "req_test");
    c.set("packPolicy", policy);
    c.set("recordRequest", async (record) => void records.push(record));
    await next();
  });
  app.post("/v1/chat/completions", adapterRouting("chat"), createProxyHandler(openaiCompletionsApi("chat")));
  return {
    records,
    async chat(body: Record<string, unknown>): Promise<Response> {
      const ctx = createExecutionContext();
      const res = await app.request(
        "http://inflight.test/v1/chat/completions",
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "my-model", messages: [{ role: "user", content: "Hello" }], ...body }),
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
