import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { EnsureError } from "../adapters/engine-load";
import type { PlanError } from "../adapters/rewrite";
import type { AdapterEntry } from "../adapters/schema";
import type { RouteError } from "../adapters/select";
import { errorBody, errorResponse } from "./errors";

/** An error in OpenAI's envelope. */
export const fail = (
  status: ContentfulStatusCode,
  message: string,
  type: string,
  code: string,
  param: string | null = null,
  extra: Record<string, unknown> = {},
) => errorResponse(status, errorBody(message, type, code, param, extra));

/** One JSON log line; callers pass no keys and no prompt text. */
export const log = (msg: string, fields: Record<string, unknown>) => console.error(JSON.stringify({ msg, ...fields }));

/** The one place a routing failure becomes a public error. */
export function routeFailure(error: RouteError): Response {
  switch (error.reason) {
    case "invalid_task":
      return fail(
        400,
        `Invalid task name in ${error.param}: use 1-64 characters a-z, 0-9, '.', '_' or '-'.`,
        "invalid_request_error",
        "invalid_task",
        error.param,
      );
    case "unknown_task": {
      const { task, via } = error.choice;
      return fail(
        404,
        `Unknown task "${task}" (from ${sourceName(via)}): no adapter is registered for it.`,
        "invalid_request_error",
        "unknown_task",
        paramOf(via),
        { task },
      );
    }
    case "disabled_task": {
      const { task, via } = error.choice;
      return fail(
        404,
        `Task "${task}" (from ${sourceName(via)}) is served by adapter "${error.adapter}", which is disabled.`,
        "invalid_request_error",
        "task_disabled",
        paramOf(via),
        { task, adapter: error.adapter },
      );
    }
    case "registry_error":
      log("inflight.adapter_registry_error", { task: error.task, error: error.detail });
      return fail(
        503,
        `The adapter registry could not be read for task "${error.task}".`,
        "server_error",
        "adapter_registry_unavailable",
      );
  }
}

/** The one place an entry that cannot be planned becomes a public error. */
export function planFailure(entry: AdapterEntry, error: PlanError): Response {
  const adapter = entry.id;
  switch (error.reason) {
    case "missing_secret":
      return fail(
        503,
        `Adapter "${adapter}" names the secret ${error.secret}, which is not set: set it (wrangler secret put ${error.secret}) or update the adapter.`,
        "server_error",
        "adapter_secret_missing",
      );
    case "invalid_entry":
      return fail(500, error.detail, "server_error", "adapter_misconfigured");
    case "prompt_missing":
      return fail(
        503,
        error.legacy
          ? `Adapter "${adapter}" declares the continuous prompt "${error.prompt}" in an earlier format, with no tensor: replace it with prompt {id, virtualTokens, hiddenSize}, then upload the tensor (PUT /admin/adapters/${adapter}/prompt).`
          : `Adapter "${adapter}" declares the continuous prompt "${error.prompt}", whose tensor has not been uploaded: PUT /admin/adapters/${adapter}/prompt.`,
        "server_error",
        "adapter_prompt_unavailable",
      );
    case "prompt_needs_chat":
      return fail(
        400,
        `Task "${entry.tasks.join('", "')}" is served by adapter "${adapter}" with the continuous prompt "${error.prompt}", which vLLM applies only on /v1/chat/completions: send the request as a chat completion.`,
        "invalid_request_error",
        "prompt_requires_chat",
      );
  }
}

/** The one place an engine that could not be made ready becomes a public error. */
export function loadFailure(adapter: string, host: string, error: EnsureError): Response {
  switch (error.reason) {
    case "unreachable":
      return fail(
        502,
        `The backend for adapter "${adapter}" at ${host} could not be reached: ${error.detail}`,
        "upstream_error",
        "upstream_unreachable",
      );
    case "probe_failed":
      return fail(
        502,
        `The backend for adapter "${adapter}" at ${host} answered GET /v1/models with HTTP ${error.status}: ${error.detail}`,
        "upstream_error",
        "adapter_load_failed",
      );
    case "load_failed":
    case "unload_failed":
      return fail(
        502,
        `The backend for adapter "${adapter}" at ${host} could not load it (HTTP ${error.status}): ${error.detail}`,
        "upstream_error",
        "adapter_load_failed",
      );
    case "reload_unsupported":
    case "stale_entry":
      return fail(
        502,
        `The backend for adapter "${adapter}" at ${host} serves its LoRA from ${error.root} and could not reload it from the adapter's path (a vLLM without load_inplace keeps the old weights): upgrade it, or unload the LoRA there.`,
        "upstream_error",
        "adapter_load_failed",
      );
  }
}

const sourceName = (via: string) =>
  ({
    header: "x-inflight-task",
    metadata: "metadata.task",
    "team-default": "the team's default task",
    rule: "a task-matching rule",
  })[via] ?? via;
const paramOf = (via: string) => (via === "header" ? "x-inflight-task" : via === "metadata" ? "metadata.task" : null);
