import { describe, expect, it } from "vitest";
import { insertPromptEmbeds, stripPromptEmbeds } from "../../src/adapters/prompt-embeds";

const part = { type: "prompt_embeds", data: "QUJD" };

describe("client prompt embeddings", () => {
  it("removes prompt_embeds parts and the reserved placeholder text, in strings and text parts", () => {
    const messages = [
      { role: "system", content: "Be brief. <prompt_embeds>" },
      {
        role: "user",
        content: [
          { type: "text", text: "a<prompt_embeds>b" },
          { type: "prompt_embeds", data: "ZZZZ" },
          { type: "image_url", image_url: { url: "https://x.test/a.png" } },
          "raw <prompt_embeds> string",
        ],
      },
      { role: "assistant", content: null, tool_calls: [] },
    ];
    const copy = structuredClone(messages);
    expect(stripPromptEmbeds(messages)).toEqual([
      { role: "system", content: "Be brief. " },
      {
        role: "user",
        content: [
          { type: "text", text: "ab" },
          { type: "image_url", image_url: { url: "https://x.test/a.png" } },
          "raw  string",
        ],
      },
      { role: "assistant", content: null, tool_calls: [] },
    ]);
    expect(messages).toEqual(copy);
  });
});

describe("placing the adapter's prompt", () => {
  const chat = [
    { role: "system", content: "You write SQL." },
    { role: "user", content: "first" },
    { role: "assistant", content: "ok" },
    { role: "user", content: [{ type: "text", text: "second" }] },
  ];

  it("puts it first or last in the first system message", () => {
    expect(insertPromptEmbeds(chat, "system-start", "QUJD")).toEqual({
      ok: true,
      value: [{ role: "system", content: [part, { type: "text", text: "You write SQL." }] }, ...chat.slice(1)],
    });
    const end = insertPromptEmbeds(chat, "system-end", "QUJD");
    expect(end.ok && end.value[0]).toEqual({
      role: "system",
      content: [{ type: "text", text: "You write SQL." }, part],
    });
  });

  it("adds a system message holding only the prompt when there is none", () => {
    expect(insertPromptEmbeds(chat.slice(1), "system-start", "QUJD")).toEqual({
      ok: true,
      value: [{ role: "system", content: [part] }, ...chat.slice(1)],
    });
  });

  it("puts it in the last user message, or says there is none", () => {
    const placed = insertPromptEmbeds(chat, "user-start", "QUJD");
    expect(placed.ok && placed.value[3]).toEqual({ role: "user", content: [part, { type: "text", text: "second" }] });
    expect(placed.ok && placed.value[1]).toEqual(chat[1]);
    const last = insertPromptEmbeds(chat, "user-end", "QUJD");
    expect(last.ok && last.value[3]).toEqual({ role: "user", content: [{ type: "text", text: "second" }, part] });
    expect(insertPromptEmbeds([chat[0]], "user-start", "QUJD")).toEqual({ ok: false, error: "no_user_message" });
  });
});
