import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { respond } from "./respond";
import { ScenarioSchema, type RequestRecord, type Scenario } from "./scenario-schema";
import { scenarioFor } from "./variants";
import { errorBody, type Endpoint } from "./wire";

/** What a fallback sees of a request whose model is not `scenario:<id>`. */
export interface UpstreamRequest {
  endpoint: Endpoint;
  body: Record<string, unknown>;
  /** Every prompt text (messages' contents or `prompt`), joined by blank lines. */
  promptText: string;
}

export interface UpstreamOptions {
  /** Default: a free port. */
  port?: number;
  host?: string;
  /** Milliseconds between token chunks when a scenario does not say; 0 streams as fast as possible. Default 5. */
  tokenDelayMs?: number;
  /** The scenario for requests that name no `scenario:<id>` model. Default: a short clean completion. */
  fallback?: (request: UpstreamRequest) => Scenario;
  /** Keep every byte written in the records. Default true; turn off for long benchmark streams. */
  recordWritten?: boolean;
}

export interface Upstream {
  /** The OpenAI base URL, ending with `/v1`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Requests that named no scenario are recorded under this id. */
export const FALLBACK_RECORDS_ID = "default";

const DEFAULT_TEXT = "Hello! This is the inflight test upstream. Ask for a scenario to get anything else.";

/**
 * Starts a local OpenAI-compatible upstream: `POST /v1/chat/completions`, `POST /v1/completions`,
 * `POST /v1/responses` (OpenAI Responses), `POST /v1/messages` (Anthropic Messages), `GET /v1/models`, plus `POST /__scenarios` (plan a response, get its id) and `GET /__records/<id>` (what
 * happened to each request that used it).
 *
 * @example
 * const upstream = await startUpstream();
 * const { id } = await createUpstreamControl(upstream.url).scenario({ text: "Hi there." });
 * // send `model: "scenario:" + id` to upstream.url + "/chat/completions"
 */
export async function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const host = options.host ?? "127.0.0.1";
  const scenarios = new Map<string, Scenario>();
  const records = new Map<string, RequestRecord[]>();
  let nextId = 1;
  const fallback = options.fallback ?? (() => ScenarioSchema.parse({ text: DEFAULT_TEXT }));

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(String(error), "server_error"));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://upstream").pathname;
    if (req.method === "POST" && path === "/__scenarios") {
      const parsed = ScenarioSchema.safeParse(await readJson(req));
      if (!parsed.success) return sendJson(res, 400, errorBody(z.prettifyError(parsed.error), "invalid_request_error"));
      const id = `s${nextId++}`;
      scenarios.set(id, parsed.data);
      return sendJson(res, 201, { id });
    }
    if (req.method === "GET" && path.startsWith("/__records/")) {
      const list = records.get(decodeURIComponent(path.slice("/__records/".length)));
      return list ? sendJson(res, 200, list) : sendJson(res, 404, errorBody("No such scenario.", "not_found_error"));
    }
    if (req.method === "GET" && path === "/v1/models") {
      return sendJson(res, 200, {
        object: "list",
        data: [{ id: "inflight-upstream", object: "model", created: 0, owned_by: "inflight" }],
      });
    }
    const endpoint = endpointOf(req.method, path);
    if (!endpoint) return sendJson(res, 404, errorBody(`Unknown path ${req.method} ${path}.`, "invalid_request_error"));

    const body = await readJson(req);
    if (!isRecord(body))
      return sendJson(res, 400, errorBody("The body must be a JSON object.", "invalid_request_error"));
    const model = typeof body.model === "string" ? body.model : "";
    const promptText = promptOf(body);
    let recordsId = FALLBACK_RECORDS_ID;
    let scenario: Scenario;
    if (model.startsWith("scenario:")) {
      recordsId = model.slice("scenario:".length);
      const found = scenarios.get(recordsId);
      if (!found)
        return sendJson(res, 404, errorBody(`No scenario ${recordsId}.`, "invalid_request_error", "model_not_found"));
      scenario = found;
    } else {
      scenario = fallback({ endpoint, body, promptText });
    }

    const list = records.get(recordsId) ?? [];
    const played = scenarioFor(scenario, body, list.length);
    scenario = played.scenario;
    const record: RequestRecord = {
      path,
      body,
      headers: headersOf(req),
      stream: body.stream === true,
      startedAtMs: Date.now(),
      tokensPlanned: 0,
      tokensSent: 0,
      clientClosed: false,
      completed: false,
      closedAtMs: null,
      lastTokenAtMs: null,
      written: "",
      seed: typeof body.seed === "number" ? body.seed : null,
      variant: played.variant,
    };
    list.push(record);
    records.set(recordsId, list);
    const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
    const meta = {
      endpoint,
      id: `${ID_PREFIXES[endpoint]}up${nextId++}`,
      created: Math.floor(record.startedAtMs / 1000),
      model: model || "inflight-upstream",
      includeUsage: record.stream && streamOptions.include_usage === true,
    };
    res.setHeader("x-request-id", `req_${meta.id}`);
    await respond({
      res,
      record,
      meta,
      scenario,
      tokenDelayMs: scenario.tokenDelayMs ?? options.tokenDelayMs ?? 5,
      promptText,
      recordWritten: options.recordWritten ?? true,
    });
  }

  // Keep idle connections longer than a client's pool does (Node's default is 5 s), as providers' load balancers
  // do: otherwise a client that reuses a connection the server is just closing sees "connection lost" under load.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.listen(options.port ?? 0, host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Streams that hang on purpose would otherwise keep `close` waiting forever.
        server.closeAllConnections();
      }),
  };
}

function endpointOf(method: string | undefined, path: string): Endpoint | undefined {
  if (method !== "POST") return undefined;
  if (path === "/v1/chat/completions") return "chat";
  if (path === "/v1/completions") return "completions";
  if (path === "/v1/responses") return "responses";
  if (path === "/v1/messages") return "messages";
  return undefined;
}

const ID_PREFIXES: Record<Endpoint, string> = {
  chat: "chatcmpl-",
  completions: "cmpl-",
  responses: "resp_",
  messages: "msg_",
};

function promptOf(body: Record<string, unknown>): string {
  // Anthropic's `system` and Responses' `instructions` come before the messages.
  const preamble = contentText(body.system) || (typeof body.instructions === "string" ? body.instructions : "");
  const items = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : undefined;
  if (items) {
    return [preamble, ...items.map((message: unknown) => (isRecord(message) ? contentText(message.content) : ""))]
      .filter((text) => text !== "")
      .join("\n\n");
  }
  if (typeof body.input === "string") return [preamble, body.input].filter((text) => text !== "").join("\n\n");
  if (typeof body.prompt === "string") return body.prompt;
  if (Array.isArray(body.prompt)) return body.prompt.filter((part) => typeof part === "string").join("\n\n");
  return "";
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part: unknown) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
