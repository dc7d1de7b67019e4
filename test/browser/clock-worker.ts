import worker from "../../src/index";

export { AuthThrottle, TeamMeter } from "../../src/index";

/**
 * The Worker with a settable wall clock, for the dashboard test only: it seeds two weeks of usage through the
 * real routes, proxy and meter, which date every request by `new Date()`. `PUT /__test/clock` with
 * `{"now": "<ISO time>"}` moves this isolate's clock there (it runs on from that moment); every other request goes
 * to the Worker unchanged. Local `wrangler dev` runs the Durable Objects in the same isolate, so the meter sees the
 * same clock.
 */
const RealDate = Date;
let offsetMs = 0;

class ShiftedDate extends RealDate {
  constructor(...args: ConstructorParameters<DateConstructor> | []) {
    if (args.length === 0) super(RealDate.now() + offsetMs);
    else super(...(args as ConstructorParameters<DateConstructor>));
  }

  static override now(): number {
    return RealDate.now() + offsetMs;
  }
}
globalThis.Date = ShiftedDate as DateConstructor;

export default {
  async fetch(request: Request, env: Cloudflare.Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/__test/clock" && request.method === "PUT") {
      const { now } = (await request.json()) as { now: string };
      offsetMs = RealDate.parse(now) - RealDate.now();
      return Response.json({ now: new Date().toISOString() });
    }
    return worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Cloudflare.Env>;
