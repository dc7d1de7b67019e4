import type { Channel, RequestContext, Validator, ValidatorKind } from "../../../src/engine/types";
import { runValidator } from "../../helpers/chunking";

/** Makes validators of `kind` with `params` for a request with `prompt`, watching `channel`. */
export function maker(
  kind: ValidatorKind,
  params: unknown = {},
  prompt = "",
  channel: Channel = "content",
): () => Validator {
  const factory = kind.compile(kind.params.parse(params));
  const ctx: RequestContext = { prompt, wantsJson: false, tools: new Map() };
  return () => factory(ctx, { channel })!;
}

/** The finding for `text` fed whole. */
export function verdict(make: () => Validator, text: string) {
  return runValidator(make(), [text]);
}
