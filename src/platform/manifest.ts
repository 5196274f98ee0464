import manifestJson from './manifest.json' with { type: 'json' };
import { parseManifest } from '../manifest/load.js';
import type { Manifest } from '../manifest/schema.js';

/** The migration manifest the reference product declares (src/platform/manifest.json). */
export function referenceManifest(): Manifest {
  return parseManifest(manifestJson, 'src/platform/manifest.json');
}
