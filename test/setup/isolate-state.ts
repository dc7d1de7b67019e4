import { afterEach } from "vitest";
import { forgetHistoryCache } from "../../src/savings/cache";
import { forgetQueuedObservations } from "../../src/savings/link";
import { forgetThrottles } from "../../src/auth/throttle";
import { forgetKeysIssued } from "../../src/teams/keys";

// Tests wipe storage between cases (`reset()` from cloudflare:test); what an isolate remembers about storage
// must be forgotten with it, as a fresh isolate would.
afterEach(() => {
  forgetKeysIssued();
  forgetHistoryCache();
  forgetQueuedObservations();
  forgetThrottles();
});
