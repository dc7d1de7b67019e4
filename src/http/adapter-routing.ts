import type { Context, MiddlewareHandler } from "hono";
import { allowedHosts, checkBaseUrl } from "../adapters/base-url";
import { saysNotLoaded } from "../adapters/engine-lifecycle";
import { ensureAdapter, forgetLoaded } from "../adapters/engine-load";
import { insertPromptEmbeds, stripPromptEmbeds } from "../adapters/prompt-embeds";
import { createAdapterRegistry, type AdapterRegistry } from "../adapters/registry";
import { planUpstream } from "../adapters/rewrite";
import type { AdapterEntry } from "../adapters/schema";
import { namedTask, resolveRoute, type Route } from "../adapters/select";
import { shippedTaskRules } from "../adapters/shipped-task-rules";
import { matchTasks } from "../adapters/task-rules";
import { tensorBase64 } from "../adapters/tensor/store";
import { selectPacks } from "../packs";
import { parseCompletionRequest } from "../proxy/request";
import { fail, loadFailure, log, planFailure, routeFailure } from "./adapter-errors";
import type { AppEnv } from "./types";

/** Whether the backend may be sent this adapter's requests and key (docs/adapters.md, "Base URLs"). */
function backendRefusal(c: Context<AppEnv>, entry: AdapterEntry): Response | undefined {
  const policy = allowedHosts(c.var.config.ADAPTER_ALLOWED_HOSTS);
  const verdict = policy.ok ? checkBaseUrl(entry.backend.baseUrl, policy.value) : policy;
  if (verdict.ok) return undefined;
  const why = policy.ok ? verdict.error : `ADAPTER_ALLOWED_HOSTS is invalid: ${verdict.error}`;
  return fail(
    503,
    `The backend of adapter "${entry.id}" is not allowed: ${why}.`,
    "server_error",
    "adapter_backend_refused",
  );
}

/**
 * Routes `/v1/chat/completions` and `/v1/completions` to a task's adapter. The task comes from
 * `x-inflight-task`, else `metadata.task`, else the team's default, else the first task-matching rule in
 * rules/tasks/tasks.json whose task has an enabled adapter. A routed request gets `c.var.task` and
 * `c.var.upstream` (engine URL, key, rewritten body, label for `x-inflight-adapter`), and the adapter's packs as
 * its default packs. A named task that is unknown or disabled answers 404. A request with no task, or a body the
 * completion handler will refuse anyway, passes through untouched.
 */
export function adapterRouting(kind: "chat" | "completions"): MiddlewareHandler<AppEnv> {
  return async function routeToAdapter(c, next) {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return next();
    }
    const parsed = parseCompletionRequest(kind, raw);
    if (!parsed.ok) return next();
    const { body, ctx } = parsed.value;
    const named = namedTask({
      header: c.req.header("x-inflight-task"),
      metadata: body.metadata,
      teamDefault: c.var.packPolicy?.defaultTask,
    });
    if (!named.ok) return routeFailure(named.error);
    const kv = c.env.INFLIGHT_KV;
    if (!kv) {
      if (!named.value) return next();
      return fail(
        503,
        "Task routing needs the INFLIGHT_KV binding, which is not configured.",
        "server_error",
        "adapter_registry_unavailable",
      );
    }
    const registry = createAdapterRegistry(kv);
    const resolve = () => resolveRoute(named.value, () => matchTasks(shippedTaskRules(), ctx.prompt), registry.forTask);
    const first = await resolve();
    if (!first.ok) return routeFailure(first.error);
    if (!first.value) return next();
    let route = first.value;
    for (let attempt = 0; ; attempt += 1) {
      // Only the first attempt can find its entry stale, so this runs at most twice.
      const routed = await prepare(c, kind, body, registry, route, attempt === 0);
      if (routed instanceof Response) return routed;
      if (!("stale" in routed)) {
        c.set("task", routed.task);
        c.set("upstream", routed.upstream);
        break;
      }
      // This isolate's copy of the entry is older than the registry's (another isolate already moved the engine
      // to the newer revision): go on with the registry's entry, or route again if it no longer serves the task.
      registry.forget(route.choice.task);
      const fresh = routed.stale;
      if (fresh.enabled && fresh.tasks.includes(route.choice.task)) route = { choice: route.choice, entry: fresh };
      else {
        const again = await resolve();
        if (!again.ok) return routeFailure(again.error);
        if (!again.value) return next();
        route = again.value;
      }
    }
    await next();
  };
}

type Prepared = { task: string; upstream: NonNullable<AppEnv["Variables"]["upstream"]> };

/**
 * Plans a routed request and makes the engine ready for it; `stale` (with the registry's newer entry) when the
 * engine serves another revision and this isolate's entry is the older one.
 */
async function prepare(
  c: Context<AppEnv>,
  kind: "chat" | "completions",
  body: Record<string, unknown>,
  registry: AdapterRegistry,
  { entry, choice }: Route,
  checkCurrent: boolean,
): Promise<Response | Prepared | { stale: AdapterEntry }> {
  const packs = selectPacks(entry.packs);
  if (!packs.ok)
    return fail(
      500,
      `Adapter "${entry.id}" names the rule pack "${packs.error.name}", which is not shipped.`,
      "server_error",
      "adapter_misconfigured",
    );
  const refused = backendRefusal(c, entry);
  if (refused) return refused;
  const plan = planUpstream(entry, choice, c.env as unknown as Record<string, unknown>, {
    kind,
    metadata: body.metadata,
  });
  if (!plan.ok) return planFailure(entry, plan.error);
  const { baseUrl, apiKey, model, label, managed } = plan.value;
  const extraBody = { ...plan.value.extraBody };

  if (managed) {
    let newer: AdapterEntry | undefined;
    const isCurrent = async () => {
      if (!checkCurrent) return true;
      const stored = await registry.get(entry.id);
      if (stored.ok && stored.value && stored.value.version > entry.version) newer = stored.value;
      return newer === undefined;
    };
    const ready = await ensureAdapter(managed, isCurrent);
    if (!ready.ok && ready.error.reason === "stale_entry" && newer) return { stale: newer };
    if (!ready.ok) return loadFailure(entry.id, new URL(baseUrl).host, ready.error);
  }

  if (kind === "chat" && (plan.value.stripPromptEmbeds || plan.value.prompt)) {
    let messages = plan.value.stripPromptEmbeds
      ? stripPromptEmbeds(body.messages as unknown[])
      : (body.messages as unknown[]);
    const prompt = plan.value.prompt;
    if (prompt) {
      const tensor = await tensorBase64(c.env.INFLIGHT_KV!, prompt.sha256);
      if (!tensor.ok) {
        log("inflight.prompt_tensor_unavailable", { adapter: entry.id, error: tensor.error });
        return fail(
          503,
          `The prompt tensor of adapter "${entry.id}" could not be read; upload it again (PUT /admin/adapters/${entry.id}/prompt) if this persists.`,
          "server_error",
          "adapter_prompt_unavailable",
        );
      }
      const placed = insertPromptEmbeds(messages, prompt.position, tensor.value);
      if (!placed.ok)
        return fail(
          400,
          `Adapter "${entry.id}" puts its continuous prompt in the last user message (${prompt.position}), and this request has none.`,
          "invalid_request_error",
          "prompt_position_unavailable",
          "messages",
        );
      messages = placed.value;
    }
    extraBody.messages = messages;
  }

  // An engine that restarted since the adapter was loaded says so: load it once and let the handler retry.
  const recover = managed
    ? async (status: number, text: string) => {
        if (!saysNotLoaded(managed.engine, managed.loraName, status, text)) return false;
        forgetLoaded(managed);
        return (await ensureAdapter(managed, async () => true)).ok;
      }
    : undefined;
  return {
    task: choice.task,
    upstream: {
      baseUrl,
      apiKey,
      model,
      extraBody,
      label,
      // The adapter's packs become the request's defaults (enforced packs and x-inflight-rules still apply).
      packs: entry.packs,
      ...(recover ? { recover } : {}),
    },
  };
}
