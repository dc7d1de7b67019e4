import type { Hono } from "hono";
import type { AppEnv } from "../types";
import { DASHBOARD_HTML } from "./dashboard-page";
import { DASHBOARD_SCRIPT } from "./dashboard-script";
import { DASHBOARD_CSS } from "./dashboard-style";

/** Only this origin's script and style; no inline code, no framing, no referrer. */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/**
 * `GET /admin/dashboard` and its script and style. These carry no data and answer without the admin token;
 * the page reads everything through the token-guarded admin API.
 */
export function dashboardRoutes(admin: Hono<AppEnv>): void {
  admin.get("/dashboard", (c) => c.html(DASHBOARD_HTML, 200, SECURITY_HEADERS));
  admin.get("/dashboard.js", (c) =>
    c.body(DASHBOARD_SCRIPT, 200, { ...SECURITY_HEADERS, "content-type": "text/javascript; charset=utf-8" }),
  );
  admin.get("/dashboard.css", (c) =>
    c.body(DASHBOARD_CSS, 200, { ...SECURITY_HEADERS, "content-type": "text/css; charset=utf-8" }),
  );
}
