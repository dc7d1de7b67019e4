/**
 * The schema library of the Worker: `zod/mini`, zod's functional API, with zod's English messages. Every schema
 * under `src/` is built from this module, imported as a namespace:
 *
 * @example
 * import * as z from "../zod";
 * const LimitSchema = z._default(z.number().check(z.int(), z.positive()), 100);
 *
 * Only a namespace import lets the bundler keep just the functions the schemas call (about 90 KiB); a named `z`,
 * from `zod` or from here, is an object holding every schema kind, zod's JSON Schema tooling and its 63 locales,
 * and brings all of it in (about 730 KiB, more than the rest of the Worker). ESLint refuses both in `src/`.
 */
import { config } from "zod/mini";
import { en } from "zod/locales";

// zod/mini installs no locale: without it every issue reads "Invalid input". The English one (about 4 KiB) gives
// the messages that request errors, pack errors and admin `details` quote, e.g. "Too small: expected number to be
// >0". It runs before any schema parses, since every schema module imports this one first.
config(en());

export * from "zod/mini";
