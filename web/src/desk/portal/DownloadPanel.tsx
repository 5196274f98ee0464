import type { ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { bytes, daysLeft, plural, when } from '../../shared/format.js';
import { ErrorNote, useAction } from '../../shared/ui.js';
import type { BuildStatus, RequestDetail } from '../types.js';

/** The archive's files with the days left before they are deleted (M12), and the receipt. */
export function DownloadPanel({ request, archive, onReceipt }: { request: RequestDetail; archive: BuildStatus; onReceipt: () => void }): ReactNode {
  const base = `/api/requests/${request.id}/archive`;
  const volumes = Array.from({ length: archive.volumes ?? 0 }, (_, i) => `vol-${String(i).padStart(4, '0')}.age`);
  const left = archive.expiresAt ? daysLeft(archive.expiresAt) : 0;
  const receipt = useAction(async () => {
    await api(`${base}/receipt`, { body: {} });
    onReceipt();
  });
  return (
    <section className="panel" aria-labelledby="download-heading">
      <h2 id="download-heading">Download</h2>
      <p className="retention">
        <strong>{plural(left, 'day')} left</strong>: the archive is deleted everywhere on {when(archive.expiresAt)} and the download stops working then.
      </p>
      <p>
        {plural(volumes.length, 'volume')}, {bytes(archive.bytes)} in all, from the nightly backup of the night before {archive.night}. Keep the files together in one folder.
      </p>
      <ul className="files">
        <li>
          <a href={`${base}/index.json`} download="index.json">
            index.json
          </a>{' '}
          (the signed list of volumes and their checksums)
        </li>
        {volumes.map((v) => (
          <li key={v}>
            <a href={`${base}/${v}`} download={v}>
              {v}
            </a>
          </li>
        ))}
      </ul>
      <p className="help">
        For big archives the command line resumes broken downloads and checks every chunk: <code>repatriate download {request.id} --desk {window.location.origin} --out ./archive --account {request.accountUrl} --login … --password-file …</code>
      </p>
      {request.state === 'ready' ? (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => void receipt.run()} disabled={receipt.busy}>
            I have downloaded the archive
          </button>
        </div>
      ) : (
        <p className="ok">You confirmed the download.</p>
      )}
      <ErrorNote error={receipt.error} />
    </section>
  );
}
