import path from 'node:path';

/**
 * All embedded state (the reference cloud, its snapshots and file store, kernel releases,
 * later the vendor's keys and desk) lives under one folder.
 */
export function repatriateHome(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const configured = env['REPATRIATE_HOME'];
  return path.resolve(cwd, configured && configured.length > 0 ? configured : '.repatriate');
}
