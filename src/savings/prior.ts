/**
 * The savings model's priors: what it assumes before a key has history. Each is a list of equally likely
 * lengths (the 5th to 95th percentiles in steps of 5 of a named distribution) that counts as `PRIOR_WEIGHT`
 * observations with no history and fades out linearly by the `PRIOR_FADE`th: a key's own observations replace it
 * quickly, because the prior's long tail would otherwise dominate the estimate beyond a cut point.
 */

/** How many observations the prior counts as with no history. */
export const PRIOR_WEIGHT = 5;
/** Observations at which the prior has faded out entirely. */
export const PRIOR_FADE = 10;

/** Standard normal quantiles at 5%, 10%, ..., 95%. */
const Z = [
  -1.645, -1.282, -1.036, -0.842, -0.674, -0.524, -0.385, -0.253, -0.126, 0, 0.126, 0.253, 0.385, 0.524, 0.674, 0.842,
  1.036, 1.282, 1.645,
];

/**
 * Completion length: log-normal with median 200 tokens and sigma 1 (p10 55, p90 720). Broad on purpose: it has
 * to cover one-line JSON answers and long essays until the key's own history takes over.
 */
export const LENGTH_PRIOR: readonly number[] = Z.map((z) => Math.round(200 * Math.exp(z)));

/**
 * Tokens after a complete answer: exponential with mean 30 (a sentence or two of explanation). Measured on the
 * stored corpora the mean tail is 13 tokens (MATH reference solutions after `\boxed{}`) to 42 (HaluEval ChatGPT
 * answers after "The answer is").
 */
export const EXIT_TAIL_PRIOR: readonly number[] = Z.map((_, i) => Math.round(-30 * Math.log(1 - (i + 1) / 20)));
