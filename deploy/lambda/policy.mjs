// The per-environment error policy: which failures are retried, how often and how soon,
// and whether a failed row strata reports as safe may be repaired without a person.

function number(value, fallback, { min = 0, max = Infinity } = {}) {
  const n = Number(value ?? fallback);
  return Number.isFinite(n) && n >= min && n <= max ? n : fallback;
}

/** Reads the policy from the function's environment (set by the stack from its config). */
export function readPolicy(env) {
  return {
    // Total attempts of one request, the first run included: 1 means never retry.
    maxAttempts: number(env.RETRY_MAX_ATTEMPTS, 3, { min: 1, max: 10 }),
    baseDelaySeconds: number(env.RETRY_BASE_DELAY_SECONDS, 30, { max: 300 }),
    autoRepair: env.AUTO_REPAIR === 'true',
  };
}

/** Exponential backoff: base, 2 x base, 4 x base, ... capped at 5 minutes. */
export function backoffSeconds(policy, attempt) {
  return Math.min(300, policy.baseDelaySeconds * 2 ** Math.max(0, attempt - 1));
}

/**
 * What to do after a failed run. `run` is its runs-table item (attempt, command,
 * readOnly), `outcome` the classification from outcome.mjs.
 * Returns { action: 'retry' | 'repair' | 'none', delaySeconds?, reason }.
 */
export function decide(policy, run, outcome) {
  const attempt = run.attempt ?? 1;
  if (outcome.kind === 'success') return { action: 'none', reason: 'the run succeeded' };
  if (outcome.transient) {
    if (attempt >= policy.maxAttempts) {
      return { action: 'none', reason: `${outcome.kind} is transient but all ${policy.maxAttempts} attempts are used` };
    }
    const delaySeconds = backoffSeconds(policy, attempt);
    return {
      action: 'retry',
      delaySeconds,
      reason: `${outcome.kind} is transient: attempt ${attempt + 1} of ${policy.maxAttempts} starts after ${delaySeconds} s`,
    };
  }
  if (run.command === 'migrate' && !run.readOnly && outcome.error?.repairSafe === true) {
    if (!policy.autoRepair) {
      return { action: 'none', reason: 'strata reports the failed row as safe to repair, but automatic repair is off here' };
    }
    return { action: 'repair', delaySeconds: 0, reason: 'strata reports the failed row as safe to remove: strata repair runs automatically' };
  }
  return { action: 'none', reason: `${outcome.kind.replace(/_/g, ' ')} is never retried or repaired automatically` };
}
