import { json, type EngineAnswer, type SeenRequest } from "./harness";

type Source = "hub" | "local" | "s3" | "pbase";

/**
 * LoRAX's router (predibase/lorax, router/src), from its code:
 * - /v1/chat/completions: `model` (required) is the adapter id, the base model's id meaning none; `adapter_source`
 *   says where to fetch it (default: the server's --adapter-source); `api_token` is the download token, and when
 *   the body has none LoRAX takes it from `Authorization: Bearer` (server.rs generate_stream_with_callback).
 * - A body that does not deserialize: Axum's 422 in text/plain ("Failed to deserialize the JSON body into the
 *   target type: missing field `model` ...").
 * - An adapter that cannot be downloaded fails the request as InferError::GenerationError (loader.rs: download
 *   errors mark the adapter Errored and drain its queue with the error): in a stream, an HTTP 200 whose event is
 *   `{"error": "Request failed during generation: ...", "error_type": "generation"}` with no [DONE]; without
 *   streaming, 424 with that body (server.rs From<InferError> for StatusCode / Event).
 */
export function lorax(options: {
  base: string;
  /** Adapters each source can provide. */
  available: Partial<Record<Source, string[]>>;
  /** Adapters that need a download token, with the token. */
  private?: Record<string, string>;
  defaultSource?: Source;
}) {
  /** The download token LoRAX used for each completion (from the body, else from Authorization). */
  const downloadTokens: (string | null)[] = [];
  const served: (string | null)[] = [];
  return {
    downloadTokens,
    served,
    route(request: SeenRequest): EngineAnswer {
      const body = request.body;
      const missing = !Array.isArray(body?.messages) ? "messages" : typeof body.model !== "string" ? "model" : "";
      if (missing)
        return new Response(
          `Failed to deserialize the JSON body into the target type: missing field \`${missing}\` at line 1 column 2`,
          { status: 422, headers: { "content-type": "text/plain; charset=utf-8" } },
        );
      const bearer = request.headers.get("authorization")?.match(/^Bearer (.+)$/)?.[1] ?? null;
      const token: string | null = typeof body.api_token === "string" ? body.api_token : bearer;
      downloadTokens.push(token);
      const adapter: string = body.model === options.base ? "" : body.model;
      const source: Source = body.adapter_source ?? options.defaultSource ?? "hub";
      let failure: string | undefined;
      if (adapter !== "" && !(options.available[source] ?? []).includes(adapter))
        failure = `Server error: adapter ${adapter} not found in ${source}`;
      else if (adapter !== "" && options.private?.[adapter] !== undefined && options.private[adapter] !== token)
        failure = `Server error: 401 Client Error: Unauthorized for url: https://huggingface.co/api/models/${adapter}`;
      if (failure) {
        const error = { error: `Request failed during generation: ${failure}`, error_type: "generation" };
        return body.stream === true ? { frames: [`data: ${JSON.stringify(error)}\n\n`] } : json(424, error);
      }
      served.push(adapter || null);
      return "stream";
    },
  };
}
