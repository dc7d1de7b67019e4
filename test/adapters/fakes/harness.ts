import { vi } from "vitest";
import { eventStream } from "../../helpers/fake-upstream";

/** One request an engine saw. */
export interface SeenRequest {
  method: string;
  path: string;
  body: any;
  headers: Headers;
}

/** What a fake engine answers: a response, the test's stream of frames, or a stream of its own (an in-stream error). */
export type EngineAnswer = Response | "stream" | { frames: string[] };

/** A fake engine: answers each request as the engine it stands for would. */
export interface FakeEngine {
  route(request: SeenRequest): EngineAnswer;
}

/** What a fake engine saw and did. */
export interface EngineLog {
  requests: SeenRequest[];
  /** Completion requests the engine accepted and streamed. */
  streamed: SeenRequest[];
  /** Completion requests the engine refused, with its status (an in-stream error counts as 200). */
  refused: { request: SeenRequest; status: number }[];
  /** SSE frames handed over before the reader stopped. */
  sent: number;
  cancelled: boolean;
}

/** A JSON response. */
export const json = (status: number, body: unknown) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });

/** FastAPI's answer for a route it does not serve (vLLM and SGLang are FastAPI apps). */
export const fastapiNotFound = () => json(404, { detail: "Not Found" });

/** Checks every OpenAI-compatible route shares: a JSON object with messages (chat) or prompt (completions). */
export function openaiShape(request: SeenRequest): string | undefined {
  const body = request.body;
  if (typeof body !== "object" || body === null) return "body must be a JSON object";
  if (request.path.endsWith("/chat/completions") && !Array.isArray(body.messages)) return "messages: field required";
  if (request.path.endsWith("/completions") && !request.path.endsWith("/chat/completions") && body.prompt === undefined)
    return "prompt: field required";
  return undefined;
}

export const isCompletion = (request: SeenRequest) =>
  request.method === "POST" && request.path.endsWith("/completions");

/**
 * Replaces the Worker's outbound `fetch` with engines keyed by host. A host mapped to `"down"` refuses
 * connections. Accepted completions stream `frames` one per read, so a test sees how far inflight read.
 */
export function fakeEngines(hosts: Record<string, FakeEngine | "down">, frames: string[]): Record<string, EngineLog> {
  const logs: Record<string, EngineLog> = {};
  for (const host of Object.keys(hosts))
    logs[host] = { requests: [], streamed: [], refused: [], sent: 0, cancelled: false };
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init as RequestInit);
    const url = new URL(request.url);
    const engine = hosts[url.host];
    const log = logs[url.host];
    if (!engine || !log) throw new TypeError(`fetch failed: no fake engine at ${url.host}`);
    if (engine === "down") throw new TypeError("Network connection lost.");
    const text = await request.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    const seen: SeenRequest = { method: request.method, path: url.pathname, body, headers: request.headers };
    log.requests.push(seen);
    const answer = engine.route(seen);
    if (answer instanceof Response) {
      if (isCompletion(seen)) log.refused.push({ request: seen, status: answer.status });
      return answer;
    }
    const out = answer === "stream" ? frames : answer.frames;
    if (answer === "stream") log.streamed.push(seen);
    else log.refused.push({ request: seen, status: 200 });
    return eventStream(out, log, init?.signal);
  });
  return logs;
}
