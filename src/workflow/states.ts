import { RepatriateError } from '../core/errors.js';

/**
 * The life of a migration request (DESIGN §6). Every change of state goes through
 * `transition`, the one place that knows which moves exist; anything else is refused.
 *
 *   draft → submitted → checks → approved → scheduled → frozen → building → ready → downloaded → expired → purged
 *                         └──→ rejected          (scheduled → scheduled: the operator moves the date)
 *                                                  building ⇄ failed (a failed build is retried from its journal)
 */
export const requestStates = ['draft', 'submitted', 'checks', 'approved', 'rejected', 'scheduled', 'frozen', 'building', 'failed', 'ready', 'downloaded', 'expired', 'purged'] as const;
export type RequestState = (typeof requestStates)[number];

const moves: Readonly<Record<RequestState, readonly RequestState[]>> = {
  draft: ['submitted'],
  // `submitted` is the moment the customer confirmed; the automatic checks follow at once.
  submitted: ['checks', 'rejected'],
  checks: ['approved', 'rejected'],
  approved: ['scheduled', 'rejected'],
  rejected: [],
  scheduled: ['scheduled', 'frozen', 'rejected'],
  frozen: ['building'],
  // A failed build keeps its journal; retrying resumes it.
  building: ['ready', 'failed'],
  failed: ['building'],
  ready: ['downloaded', 'expired'],
  downloaded: ['expired'],
  expired: ['purged'],
  purged: [],
};

export function canMove(from: RequestState, to: RequestState): boolean {
  return moves[from].includes(to);
}

/** The next state, or a 409-class error naming both states and what is possible instead. */
export function transition(from: RequestState, to: RequestState): RequestState {
  if (canMove(from, to)) return to;
  const options = moves[from];
  throw new RepatriateError('REPAT_DESK_STATE', `a request that is ${from} cannot become ${to}`, {
    hint: options.length > 0 ? `from ${from} it can only become ${options.join(' or ')}` : `${from} is final`,
  });
}

export function isRequestState(value: string): value is RequestState {
  return (requestStates as readonly string[]).includes(value);
}
