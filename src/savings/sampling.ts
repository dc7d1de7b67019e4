/**
 * Share of exit-eligible streams let run to their end, so the model can learn what follows an answer (an early
 * exit never sees it). Those requests save nothing: the client gets the whole output, as without the exit rule.
 * `EXIT_SAMPLE_SHARE` overrides it; 0 turns the measurement off (exits then rest on the prior).
 */
export const DEFAULT_EXIT_SAMPLE_SHARE = 0.05;

/** Whether this request is one of the sampled share (`random` in [0, 1)). */
export function sampleExit(share: number, random: number = Math.random()): boolean {
  return share > 0 && random < share;
}
