import { Hono, type Context } from "hono";
import * as z from "../../zod";
import { allowedHosts, checkBaseUrl } from "../../adapters/base-url";
import { syncEngines, type EngineReport } from "../../adapters/engine-sync";
import { createAdapterRegistry, type AdapterRegistry, type RegistryWriteError } from "../../adapters/registry";
import { AdapterInputSchema, type AdapterEntry, type AdapterFields } from "../../adapters/schema";
import type { Result } from "../../engine/result";
import { selectPacks } from "../../packs";
import { adminAuth } from "../admin-auth";
import { errorBody, errorResponse, invalidRequest } from "../errors";
import type { AppEnv } from "../types";
import { uploadPromptTensor } from "./prompt-upload";

function writeFailure(error: RegistryWriteError): Response {
  switch (error.reason) {
    case "exists":
      return errorResponse(
        409,
        errorBody(
          `Adapter "${error.id}" already exists: update it with PUT /admin/adapters/${error.id}.`,
          "invalid_request_error",
          "adapter_exists",
          "id",
        ),
      );
    case "not_found":
      return errorResponse(
        404,
        errorBody(`No adapter "${error.id}".`, "invalid_request_error", "adapter_not_found", "id"),
      );
    case "task_taken":
      return errorResponse(
        409,
        errorBody(
          `Task "${error.task}" is served by adapter "${error.adapter}": remove it there first.`,
          "invalid_request_error",
          "task_taken",
          "tasks",
          { task: error.task, adapter: error.adapter },
        ),
      );
    case "prompt_tensor_given":
      return invalidRequest(
        `prompt.tensor is set by uploading the tensor (PUT /admin/adapters/${error.id}/prompt); leave it out, or send the one the adapter has.`,
        "invalid_adapter",
        "prompt.tensor",
      );
    case "prompt_not_declared":
      return errorResponse(
        409,
        errorBody(
          `Adapter "${error.id}" declares no continuous prompt: add prompt {id, virtualTokens, hiddenSize} (PUT /admin/adapters/${error.id}) before uploading its tensor.`,
          "invalid_request_error",
          "prompt_not_declared",
          "prompt",
        ),
      );
    case "storage":
      return storageFailure(error.detail);
  }
}

function storageFailure(detail: string): Response {
  console.error(JSON.stringify({ msg: "inflight.adapter_registry_error", error: detail }));
  return errorResponse(
    503,
    errorBody("The adapter registry could not be read or written.", "server_error", "adapter_registry_unavailable"),
  );
}

/** The written entry; `engine` lists what was done on the engines when something was. */
function respond(
  result: Result<AdapterEntry, RegistryWriteError>,
  status: 200 | 201 = 200,
  engine: EngineReport[] = [],
): Response {
  if (!result.ok) return writeFailure(result.error);
  const body = engine.length > 0 ? { ...result.value, engine } : result.value;
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

const secrets = (c: Context<AppEnv>) => c.env as unknown as Record<string, unknown>;

/**
 * Refuses an entry inflight could not send requests for: a backend the base-URL policy does not allow (its key
 * would go there), or a secret the Worker does not have (every routed request would fail).
 */
function unusable(c: Context<AppEnv>, entry: Pick<AdapterFields, "backend">): Response | undefined {
  const policy = allowedHosts(c.var.config.ADAPTER_ALLOWED_HOSTS);
  if (!policy.ok)
    return errorResponse(
      500,
      errorBody(`ADAPTER_ALLOWED_HOSTS is invalid: ${policy.error}.`, "server_error", "invalid_configuration"),
    );
  const url = checkBaseUrl(entry.backend.baseUrl, policy.value);
  if (!url.ok)
    return invalidRequest(`Invalid adapter: backend.baseUrl: ${url.error}.`, "invalid_adapter", "backend.baseUrl");
  const backend = entry.backend;
  const named: [string, string | undefined][] = [
    ["backend.apiKeySecret", backend.apiKeySecret],
    ["backend.downloadTokenSecret", backend.kind === "lorax" ? backend.downloadTokenSecret : undefined],
  ];
  for (const [param, secret] of named) {
    if (!secret) continue;
    const value = secrets(c)[secret];
    if (typeof value !== "string" || value === "")
      return invalidRequest(
        `The secret ${secret} named in ${param} is not set on this Worker: set it first (wrangler secret put ${secret}).`,
        "adapter_secret_missing",
        param,
      );
  }
  return undefined;
}

/** Reads and validates an adapter body; `id` defaults to the path's. */
async function readInput(c: Context<AppEnv>, id?: string) {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    return { ok: false as const, response: invalidRequest("The request body is not valid JSON.", "invalid_json") };
  }
  if (id !== undefined && raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const given = (raw as { id?: unknown }).id;
    if (given !== undefined && given !== id)
      return {
        ok: false as const,
        response: invalidRequest(
          `The body's id "${String(given)}" differs from the path's "${id}".`,
          "invalid_adapter",
          "id",
        ),
      };
    raw = { ...raw, id };
  }
  const parsed = AdapterInputSchema.safeParse(raw);
  if (!parsed.success) {
    const param = parsed.error.issues[0]?.path.map(String).join(".") || null;
    return {
      ok: false as const,
      response: invalidRequest(`Invalid adapter: ${z.prettifyError(parsed.error)}`, "invalid_adapter", param),
    };
  }
  const packs = selectPacks(parsed.data.packs);
  if (!packs.ok) {
    const { name, known } = packs.error;
    return {
      ok: false as const,
      response: invalidRequest(
        `Unknown rule pack "${name}" in packs. Known packs: ${known.join(", ")}.`,
        "unknown_rule_pack",
        "packs",
      ),
    };
  }
  const refused = unusable(c, parsed.data);
  if (refused) return { ok: false as const, response: refused };
  return { ok: true as const, value: parsed.data };
}

function registryOf(c: Context<AppEnv>): AdapterRegistry | undefined {
  const kv = c.env.INFLIGHT_KV;
  return kv ? createAdapterRegistry(kv) : undefined;
}

const noRegistry = () =>
  errorResponse(
    503,
    errorBody(
      "The adapter registry needs the INFLIGHT_KV binding, which is not configured.",
      "server_error",
      "adapter_registry_unavailable",
    ),
  );

/** Applies a written entry to the engines that served the previous one (unload, reload). */
async function engineEffects(
  c: Context<AppEnv>,
  registry: AdapterRegistry,
  previous: AdapterEntry | null,
  result: Result<AdapterEntry, RegistryWriteError>,
  deleted = false,
): Promise<EngineReport[]> {
  if (!result.ok || !previous) return [];
  const listed = await registry.list();
  const policy = allowedHosts(c.var.config.ADAPTER_ALLOWED_HOSTS);
  return syncEngines(
    previous,
    deleted ? null : result.value,
    listed.ok ? listed.value : [],
    secrets(c),
    policy.ok ? policy.value : undefined,
  );
}

/**
 * Admin API for the adapter registry, mounted at `/admin` behind the admin token:
 * `GET|POST /adapters`, `GET|PUT|DELETE /adapters/:id`, `POST /adapters/:id/disable|enable`,
 * `PUT /adapters/:id/prompt` (the prompt tensor), `GET /tasks`.
 * @example app.route("/admin", adapterAdminRoutes())
 */
export function adapterAdminRoutes() {
  const admin = new Hono<AppEnv>();
  const guard = adminAuth();
  // Scoped to these paths so other /admin routes keep their own middleware.
  admin.use("/adapters", guard);
  admin.use("/adapters/*", guard);
  admin.use("/tasks", guard);

  admin.get("/adapters", async function listAdapters(c) {
    const registry = registryOf(c);
    if (!registry) return noRegistry();
    const listed = await registry.list();
    return listed.ok ? c.json({ object: "list", data: listed.value }) : storageFailure(listed.error);
  });

  admin.post("/adapters", async function createAdapter(c) {
    const registry = registryOf(c);
    if (!registry) return noRegistry();
    const input = await readInput(c);
    if (!input.ok) return input.response;
    return respond(await registry.put(input.value, "create"), 201);
  });

  admin.get("/adapters/:id", async function getAdapter(c) {
    const registry = registryOf(c);
    if (!registry) return noRegistry();
    const id = c.req.param("id");
    const read = await registry.get(id);
    if (!read.ok) return storageFailure(read.error);
    return read.value ? c.json(read.value) : writeFailure({ reason: "not_found", id });
  });

  admin.put("/adapters/:id", async function replaceAdapter(c) {
    const registry = registryOf(c);
    if (!registry) return noRegistry();
    const input = await readInput(c, c.req.param("id"));
    if (!input.ok) return input.response;
    const previous = await registry.get(input.value.id);
    if (!previous.ok) return storageFailure(previous.error);
    const result = await registry.put(input.value, "replace");
    return respond(result, 200, await engineEffects(c, registry, previous.value, result));
  });

  admin.put("/adapters/:id/prompt", async function uploadPrompt(c) {
    const registry = registryOf(c);
    if (!registry) return noRegistry();
    const upload = await uploadPromptTensor(c, registry, c.req.param("id"));
    return upload instanceof Response ? upload : respond(upload);
  });

  for (const [action, enabled] of [
    ["disable", false],
    ["enable", true],
  ] as const) {
    admin.post(`/adapters/:id/${action}`, async function setAdapterEnabled(c) {
      const registry = registryOf(c);
      if (!registry) return noRegistry();
      const id = c.req.param("id");
      const previous = await registry.get(id);
      if (!previous.ok) return storageFailure(previous.error);
      if (!previous.value) return writeFailure({ reason: "not_found", id });
      if (enabled) {
        const refused = unusable(c, previous.value);
        if (refused) return refused;
      }
      const result = await registry.setEnabled(id, enabled);
      return respond(result, 200, await engineEffects(c, registry, previous.value, result));
    });
  }

  admin.delete("/adapters/:id", async function deleteAdapter(c) {
    const registry = registryOf(c);
    if (!registry) return noRegistry();
    const result = await registry.remove(c.req.param("id"));
    return respond(result, 200, await engineEffects(c, registry, result.ok ? result.value : null, result, true));
  });

  admin.get("/tasks", async function listTasks(c) {
    const registry = registryOf(c);
    if (!registry) return noRegistry();
    const tasks = await registry.tasks();
    return tasks.ok ? c.json({ object: "list", data: tasks.value }) : storageFailure(tasks.error);
  });

  return admin;
}
