import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { adminAuth } from "../admin-auth";
import { errorBody, errorResponse } from "../errors";
import type { AppEnv } from "../types";
import { dashboardRoutes } from "./dashboard";
import { keyRoutes } from "./keys";
import { policyRoutes } from "./policy";
import { adminRequestsHandler } from "./requests";
import { adminUsageHandler } from "./usage";

/** Largest admin request body; policies and key requests are far smaller. */
export const ADMIN_BODY_LIMIT = 16 * 1024;

const GUARDED_PATHS = ["/keys", "/keys/*", "/teams", "/teams/*", "/policy", "/usage"];

/**
 * The admin API, mounted at `/admin`: keys, teams, policies, usage (all behind `ADMIN_TOKEN`), and the
 * dashboard page, whose shell needs no token.
 */
export function createAdminRoutes(): Hono<AppEnv> {
  const admin = new Hono<AppEnv>();
  dashboardRoutes(admin);
  const guard = adminAuth();
  const limit = bodyLimit({
    maxSize: ADMIN_BODY_LIMIT,
    onError: () =>
      errorResponse(
        413,
        errorBody(`The request body exceeds ${ADMIN_BODY_LIMIT} bytes.`, "invalid_request_error", "body_too_large"),
      ),
  });
  // Scoped to these routes: other admin routes (adapters) share the `/admin` prefix and bring their own guard.
  for (const path of GUARDED_PATHS) admin.use(path, guard, limit);
  keyRoutes(admin);
  policyRoutes(admin);
  admin.get("/usage", adminUsageHandler);
  admin.get("/teams/:team/requests", adminRequestsHandler);
  return admin;
}
