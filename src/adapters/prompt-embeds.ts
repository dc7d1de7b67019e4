import { err, ok, type Result } from "../engine/result";
import type { PromptPosition } from "./schema";

/**
 * The text vLLM reserves for `prompt_embeds` splice points (vllm/entrypoints/chat_utils, PROMPT_EMBEDS_PLACEHOLDER_TOKEN).
 * With --enable-prompt-embeds it is one special token, and vLLM refuses text that contains it.
 */
export const PROMPT_EMBEDS_PLACEHOLDER = "<prompt_embeds>";

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const clean = (text: string) => text.replaceAll(PROMPT_EMBEDS_PLACEHOLDER, "");

/**
 * Client messages as they may reach vLLM: without `prompt_embeds` parts (a tensor of the wrong shape can crash the
 * engine, and only the adapter's own prompt is applied) and without the reserved placeholder text. The messages
 * are copied, never changed in place.
 */
export function stripPromptEmbeds(messages: readonly unknown[]): unknown[] {
  return messages.map((message) => {
    if (!isObject(message)) return message;
    const content = message.content;
    if (typeof content === "string")
      return content.includes(PROMPT_EMBEDS_PLACEHOLDER) ? { ...message, content: clean(content) } : message;
    if (!Array.isArray(content)) return message;
    const parts = content
      .filter((part) => !(isObject(part) && part.type === "prompt_embeds"))
      .map((part) => {
        if (typeof part === "string") return clean(part);
        if (isObject(part) && typeof part.text === "string") return { ...part, text: clean(part.text) };
        return part;
      });
    return { ...message, content: parts };
  });
}

const asParts = (content: unknown): unknown[] => {
  if (Array.isArray(content)) return [...content];
  if (typeof content === "string" && content !== "") return [{ type: "text", text: content }];
  return [];
};

/**
 * Adds the adapter's prompt as a `prompt_embeds` content part (vLLM's chat content part: `{"type": "prompt_embeds",
 * "data": <base64 of the torch.save bytes>}`) at `position`: first or last part of the first system message (one
 * is added at the start when there is none), or of the last user message.
 */
export function insertPromptEmbeds(
  messages: readonly unknown[],
  position: PromptPosition,
  data: string,
): Result<unknown[], "no_user_message"> {
  const part = { type: "prompt_embeds", data };
  const out = [...messages];
  const role = position.startsWith("system") ? "system" : "user";
  const at = position.endsWith("start") ? "start" : "end";
  const index =
    role === "system"
      ? out.findIndex((message) => isObject(message) && message.role === "system")
      : out.findLastIndex((message) => isObject(message) && message.role === "user");
  if (index < 0) {
    if (role === "user") return err("no_user_message");
    out.unshift({ role: "system", content: [part] });
    return ok(out);
  }
  const message = out[index] as Json;
  const parts = asParts(message.content);
  out[index] = { ...message, content: at === "start" ? [part, ...parts] : [...parts, part] };
  return ok(out);
}
