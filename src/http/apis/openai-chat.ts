import { createChatFormat, type CompletionKind } from "../../formats/chat";
import { parseCompletionRequest, upstreamBody } from "../../proxy/request";
import { errorBody, errorResponse } from "../errors";
import type { ApiSpec } from "./types";

/** OpenAI Chat Completions (`/v1/chat/completions`) or legacy Completions (`/v1/completions`). */
export function openaiCompletionsApi(kind: CompletionKind): ApiSpec {
  const path = kind === "chat" ? "/chat/completions" : "/completions";
  return {
    completionKind: kind,
    parse: (raw) => parseCompletionRequest(kind, raw),
    createFormat: () => createChatFormat(kind),
    upstream(config, target) {
      const base = (target?.baseUrl ?? config.UPSTREAM_BASE_URL).replace(/\/+$/, "");
      const key = target?.apiKey ?? config.UPSTREAM_API_KEY;
      return {
        url: base ? `${base}${path}` : "",
        ...(key ? { key } : {}),
        keyHeader: "authorization",
        missingHint: "set UPSTREAM_BASE_URL (npm start runs a demo upstream when it is unset)",
      };
    },
    upstreamBody: (body, target) => ({
      ...upstreamBody(body),
      ...(target?.model ? { model: target.model } : {}),
      ...target?.extraBody,
    }),
    error: (status, message, type, code, param = null) =>
      errorResponse(status as 400, errorBody(message, type, code, param)),
  };
}
