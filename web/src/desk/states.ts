import type { RequestState } from './types.js';

/** Request states in the words the pages use. */
const labels: Record<RequestState, string> = {
  draft: 'draft',
  submitted: 'submitted',
  checks: 'checked, waiting for the vendor',
  approved: 'approved, waiting for the final date',
  rejected: 'rejected',
  scheduled: 'scheduled',
  frozen: 'frozen, build starting',
  building: 'building',
  failed: 'build failed, being retried',
  ready: 'ready to download',
  downloaded: 'downloaded',
  expired: 'expired',
  purged: 'deleted',
};

export function stateLabel(state: RequestState): string {
  return labels[state];
}

/** Where a request stands on the way to a ready archive; rejected and failed sit beside the way. */
export const stateOrder: readonly RequestState[] = ['draft', 'submitted', 'checks', 'approved', 'scheduled', 'frozen', 'building', 'ready', 'downloaded', 'expired', 'purged'];

export function reached(state: RequestState, step: RequestState): boolean {
  const at = stateOrder.indexOf(state === 'failed' ? 'building' : state);
  return at >= 0 && at >= stateOrder.indexOf(step);
}

/** How often a request page asks again: often while a build runs, calmly while waiting, never once nothing can change. */
export function pollEvery(state: RequestState | undefined): number | undefined {
  if (state === 'rejected' || state === 'purged') return undefined;
  if (state === undefined || state === 'frozen' || state === 'building' || state === 'failed' || state === 'scheduled') return 1500;
  return 5000;
}
