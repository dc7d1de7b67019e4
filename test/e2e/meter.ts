import { connect, type Socket } from "node:net";
import { inject } from "vitest";

const adminToken = inject("faultsAdminToken");
let teams = 0;

/** A meter row as `GET /admin/teams/<team>/requests` returns it. */
export interface MeterRow {
  request_id: string;
  outcome: string;
  rule: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  saved_tokens: number | null;
  counted_by: string | null;
  [field: string]: unknown;
}

/** A new team with a key on the Worker at `baseUrl`, through its admin API: each case reads its own meter. */
export async function createTeam(baseUrl: string, label: string): Promise<{ team: string; key: string }> {
  teams += 1;
  const team = `${label}-${process.pid}-${teams}`
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "-")
    .slice(0, 64);
  const res = await fetch(`${baseUrl}/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ team, name: "e2e" }),
  });
  if (res.status !== 201) throw new Error(`creating a key failed: ${res.status} ${await res.text()}`);
  const { key } = (await res.json()) as { key: string };
  return { team, key };
}

/**
 * The team's one meter row. The Worker writes it after its answer (`waitUntil`), in another process, so this
 * polls the admin API until the row is there or the deadline passes.
 */
export async function meterRow(baseUrl: string, team: string, deadlineMs = 5_000): Promise<MeterRow> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const res = await fetch(`${baseUrl}/admin/teams/${team}/requests`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    if (!res.ok) throw new Error(`reading the meter failed: ${res.status} ${await res.text()}`);
    const { data } = (await res.json()) as { data: MeterRow[] };
    if (data.length > 1) throw new Error(`team ${team} has ${data.length} rows, expected one`);
    if (data[0]) return data[0];
    if (Date.now() > deadline) throw new Error(`no meter row for team ${team} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A client on a raw socket, for leaving the way a process that dies does: `reset()` closes the connection with a
 * TCP reset. (workerd reports a reset to the Worker as the client disconnecting; a polite close before the
 * response starts is, for HTTP, only the end of the request, and is not reported.)
 */
export async function rawClient(baseUrl: string, path: string, headers: Record<string, string>, body: unknown) {
  const url = new URL(baseUrl);
  const socket: Socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => undefined);
  const text = JSON.stringify(body);
  const lines = [
    `POST ${path} HTTP/1.1`,
    `host: ${url.host}`,
    "content-type: application/json",
    `content-length: ${Buffer.byteLength(text)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.write(`${lines.join("\r\n")}\r\n\r\n${text}`);
  let received = "";
  socket.on("data", (data: Buffer) => (received += data.toString("utf8")));
  return {
    /** Closes the connection with a reset; returns when it did (epoch ms). */
    reset(): number {
      socket.resetAndDestroy();
      return Date.now();
    },
    received: () => received,
  };
}
