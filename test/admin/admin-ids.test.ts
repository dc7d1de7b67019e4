import { reset } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_ADMIN_SEGMENT } from "../../src/http/admin/path-ids";
import { admin } from "../teams/helpers";

afterEach(async () => {
  await reset();
});

const long = "a".repeat(10_000);

describe("admin ids", () => {
  it.each([
    ["DELETE", `/keys/${long}`, "id"],
    ["GET", `/teams/${long}/policy`, "team"],
    ["PUT", `/teams/${long}/policy`, "team"],
    ["DELETE", `/teams/${long}/policy`, "team"],
    ["GET", `/adapters/${long}`, "id"],
    ["PUT", `/adapters/${long}`, "id"],
    ["DELETE", `/adapters/${long}`, "id"],
    ["POST", `/adapters/${long}/disable`, "id"],
    ["POST", `/adapters/${long}/enable`, "id"],
    ["DELETE", `/keys/${"%F0%9F%98%80".repeat(40)}`, "id"],
  ])("answers %s with a 10,000-character id with 400 naming it, never a 500 or 503", async (method, path, param) => {
    const { res, text } = await admin(method, path, method === "PUT" ? {} : undefined);
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      error: {
        message: `Invalid ${param}: at most ${MAX_ADMIN_SEGMENT} characters.`,
        type: "invalid_request_error",
        code: "invalid_field",
        param,
      },
    });
  });

  it("still answers ids up to the bound as before", async () => {
    expect((await admin("DELETE", `/keys/key_${"0".repeat(MAX_ADMIN_SEGMENT - 4)}`)).res.status).toBe(404);
    expect((await admin("GET", `/adapters/${"a".repeat(MAX_ADMIN_SEGMENT)}`)).res.status).toBe(404);
    expect((await admin("GET", `/teams/${"a".repeat(MAX_ADMIN_SEGMENT)}/policy`)).res.status).toBe(400);
  });

  it("answers a 10,000-character team in a query with 400", async () => {
    for (const path of [`/keys?team=${long}`, `/usage?team=${long}`]) {
      const { res, text } = await admin("GET", path);
      expect(res.status).toBe(400);
      expect(JSON.parse(text)).toMatchObject({ error: { code: "invalid_field", param: "team" } });
    }
  });
});
