/**
 * OpenAI's own tokenizers, as the reference the token estimate is measured against: o200k_base (GPT-4o, GPT-4.1,
 * GPT-5, the o-series: what current models bill) and cl100k_base (GPT-4, GPT-3.5). From the `gpt-tokenizer`
 * dev dependency: used by the eval only, never by the Worker.
 */
import cl100k from "gpt-tokenizer/encoding/cl100k_base";
import o200k from "gpt-tokenizer/encoding/o200k_base";

export type Encoding = "o200k_base" | "cl100k_base";

const APIS = { o200k_base: o200k, cl100k_base: cl100k } as const;

// Special-token strings in a text are counted as the ordinary text they are, as the providers bill them.
const PLAIN = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

/** The tokens `text` encodes to. */
export function countTokens(text: string, encoding: Encoding): number {
  return APIS[encoding].encode(text, PLAIN).length;
}

interface TokenBytes {
  tryDecodeToken(token: number): string | Uint8Array | undefined;
}

const utf8 = new TextEncoder();

/**
 * How many tokens start at each UTF-16 unit of `text` (a token that starts inside a character's UTF-8 bytes is
 * booked on the unit where that character starts), so the counts add up to the text's tokens. Reads the token
 * bytes from the package's encoder, which its public API does not expose.
 */
export function tokenStarts(text: string, encoding: Encoding): Uint16Array {
  const api = APIS[encoding];
  const core = (api as unknown as { bytePairEncodingCoreProcessor?: TokenBytes }).bytePairEncodingCoreProcessor;
  if (!core) throw new Error("gpt-tokenizer no longer exposes its encoder: update scripts/lib/token-truth.ts");
  const unitOfByte: number[] = [];
  for (let i = 0; i < text.length;) {
    const units = (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
    const bytes = utf8.encode(text.slice(i, i + units)).length;
    for (let b = 0; b < bytes; b += 1) unitOfByte.push(i);
    i += units;
  }
  const starts = new Uint16Array(text.length);
  let offset = 0;
  for (const token of api.encode(text, PLAIN)) {
    starts[unitOfByte[offset]!]! += 1;
    const value = core.tryDecodeToken(token);
    offset += typeof value === "string" ? utf8.encode(value).length : (value?.length ?? 0);
  }
  if (offset !== unitOfByte.length)
    throw new Error(`token bytes (${offset}) do not cover the text (${unitOfByte.length})`);
  return starts;
}
