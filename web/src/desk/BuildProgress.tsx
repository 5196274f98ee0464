import type { ReactNode } from 'react';
import { bytes, duration, when } from '../shared/format.js';
import type { BuildStatus } from './types.js';

/** A build's live progress (M8): stage, bytes against the estimate, time left, attempts, failure. */
const stageLabels: Record<BuildStatus['stage'], string> = {
  queued: 'waiting to start',
  snapshot: 'taking the snapshot of the night before',
  rows: 'copying the database rows',
  files: 'copying the public files',
  sealing: 'sealing the archive',
  ready: 'ready',
  failed: 'failed — it is retried automatically',
  purged: 'deleted',
};

export function BuildProgress({ build }: { build: BuildStatus }): ReactNode {
  const total = build.bytesTotal ?? 0;
  const percent = total > 0 ? Math.min(100, Math.round((build.bytesDone / total) * 100)) : build.stage === 'ready' ? 100 : 0;
  return (
    <div className="build" aria-live="polite">
      <p>
        Archive {build.archiveId}: <strong className="stage">{stageLabels[build.stage]}</strong>
        {build.attempts > 1 ? ` (attempt ${build.attempts})` : ''}
      </p>
      {build.stage !== 'ready' && build.stage !== 'purged' ? (
        <>
          <progress max={100} value={percent} aria-label="Build progress">
            {percent}%
          </progress>
          <p className="help">
            {percent}% — {bytes(build.bytesDone)} of about {bytes(build.bytesTotal)}
            {build.etaSeconds !== null ? `, about ${duration(build.etaSeconds)} left` : ''}; started {when(build.startedAt)}
          </p>
        </>
      ) : null}
      {build.failure ? <p className="bad">Last failure: {build.failure}</p> : null}
      {build.telephonyHandover ? <p className="warn">Telephony: {build.telephonyHandover}</p> : null}
    </div>
  );
}
