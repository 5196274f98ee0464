import type { ReactNode } from 'react';
import { ActionForm } from './ActionForm.js';
import type { PanelProps } from './types.js';

/** P7: the Push & Pull module publishes to the customer's own push server, checked to answer. */
export function P7Push({ task, refresh }: PanelProps): ReactNode {
  const publish = task.details?.['publish'];
  return (
    <>
      {typeof publish === 'string' ? <p>The push module publishes to <code className="break">{publish}</code>.</p> : null}
      <ActionForm<{ server: string; httpStatus: number }>
        task="P7"
        action="set"
        title="Set the push server"
        submit="Set and check"
        busy="Asking the push server…"
        fields={[{ name: 'server', label: 'Push server address', kind: 'url', required: true, help: 'e.g. https://push.intranet.example.com — it must answer /server-stat/' }]}
        onDone={refresh}
        show={(r) => <p className="ok">{r.server} answered (HTTP {r.httpStatus}).</p>}
      />
    </>
  );
}
