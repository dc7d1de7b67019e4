import { err, ok, type Result } from "../../engine/result";

// btoa takes a binary string; building it in chunks keeps `fromCharCode`'s argument list small.
const CHUNK = 0x8000;

/** Standard base64 with padding, as vLLM decodes it (`pybase64.b64decode(..., validate=True)`). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK)
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  return btoa(binary);
}

/** Decodes standard base64; whitespace (line breaks from `base64` tools) is ignored, anything else is refused. */
export function fromBase64(text: string): Result<Uint8Array, string> {
  const compact = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1)
    return err("the body is not base64 (standard alphabet, A-Z a-z 0-9 + /)");
  let binary: string;
  try {
    binary = atob(compact);
  } catch {
    return err("the body is not valid base64");
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return ok(bytes);
}
