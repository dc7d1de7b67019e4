import type { ProxiedApi } from "../doors";
import { anthropicMessagesApi } from "./anthropic";
import { openaiCompletionsApi } from "./openai-chat";
import { openaiResponsesApi } from "./responses";
import type { ApiSpec } from "./types";

/** The one spec per proxied API: routes, team authentication (budget estimates) and handlers share it. */
export const PROXIED_APIS: Readonly<Record<ProxiedApi, ApiSpec>> = {
  chat: openaiCompletionsApi("chat"),
  completions: openaiCompletionsApi("completions"),
  responses: openaiResponsesApi(),
  messages: anthropicMessagesApi(),
};
