/**
 * The on-premise assistant's HTTP API (DESIGN §8): `app.ts` builds it, `public.ts` holds the
 * routes anyone may call (sign-in, reset links, ACME answers), `tasks.ts` the administrator's
 * checklist and task actions, `errors.ts` the statuses, `schemas.ts` the shared schemas.
 */
export { buildOnpremApp, type OnpremAppOptions } from './app.js';
