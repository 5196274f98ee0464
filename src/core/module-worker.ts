import { Worker } from 'node:worker_threads';

/** True when this code runs from its TypeScript sources (tests, benchmarks under tsx), not from dist/. */
const fromSources = import.meta.url.endsWith('.ts');

/**
 * A worker thread running one of repatriate's own modules, given as the URL of its compiled
 * `.js` file beside the caller (`new URL('./x-worker.js', import.meta.url)`). From the
 * TypeScript sources, a worker does not inherit tsx's loader, so it registers tsx itself
 * before importing the module's `.ts` file; dist/ imports the `.js` file directly. `data`
 * reaches the module as `workerData.data`.
 */
export function moduleWorker(module: URL, data?: unknown): Worker {
  const href = fromSources ? module.href.replace(/\.js$/, '.ts') : module.href;
  const bootstrap = `const { workerData } = require('node:worker_threads');
(workerData.fromSources ? import('tsx/esm/api').then((tsx) => tsx.register()) : Promise.resolve()).then(() => import(workerData.module));`;
  return new Worker(bootstrap, { eval: true, workerData: { fromSources, module: href, data } });
}
