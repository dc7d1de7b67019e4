import { createApp } from "./http/app";

/** inflight: an OpenAI-compatible proxy that validates completions in flight. */
export default createApp();

export { TeamMeter } from "./metering/team-meter";
export { AuthThrottle } from "./auth/auth-throttle";
