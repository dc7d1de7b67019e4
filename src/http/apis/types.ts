import type { Config } from "../../config";
import type { CompletionKind } from "../../formats/chat";
import type { WireFormat } from "../../formats/types";
import type { ParsedRequest } from "../../proxy/request";
import type { UpstreamTarget } from "../types";

/** Where and how to reach an API's upstream. */
export interface UpstreamSpec {
  /** Full URL of the upstream endpoint; empty when the API's upstream is not configured. */
  url: string;
  /** The provider key (a secret), if configured; otherwise the client's own credentials are passed through. */
  key?: string;
  /** The header the key travels in. */
  keyHeader: "authorization" | "x-api-key";
  /** What to set when the upstream is missing, for the 503 message. */
  missingHint: string;
}

/** Everything that differs between the APIs inflight proxies; the handler itself is shared. */
export interface ApiSpec {
  /** Set for the APIs with `n` (Chat Completions, Completions), whose choices can be fanned out (docs/sampling.md). */
  completionKind?: CompletionKind;
  /** Validates a request body and reads what the engine needs. */
  parse(
    raw: unknown,
  ): { ok: true; value: ParsedRequest } | { ok: false; error: { message: string; param: string | null } };
  /** A fresh wire format for one response. */
  createFormat(): WireFormat;
  upstream(config: Config, target: UpstreamTarget | undefined): UpstreamSpec;
  /** The body sent upstream: always streamed, with usage. */
  upstreamBody(body: Record<string, unknown>, target: UpstreamTarget | undefined): Record<string, unknown>;
  /** An error response in the API's own envelope. */
  error(status: number, message: string, type: string, code: string | null, param?: string | null): Response;
}
