import { useState, type ReactNode } from 'react';
import { ActionForm } from './ActionForm.js';
import { list, type PanelProps } from './types.js';

/** P6: the channels the cloud account had connected, each reconnected by hand and ticked off here. */
interface Channel { readonly id: number; readonly connector: string; readonly name: string | null; readonly wasConnected: boolean; readonly webhook: string | null; readonly reconnectedAt: string | null }

export function P6Channels({ task, refresh }: PanelProps): ReactNode {
  const channels = list<Channel>(task.details?.['channels']);
  const [chosen, setChosen] = useState<number[]>([]);
  const open = channels.filter((c) => !c.reconnectedAt);
  const toggle = (id: number, on: boolean): void => setChosen((ids) => (on ? [...ids, id] : ids.filter((i) => i !== id)));
  if (channels.length === 0) return null;
  return (
    <>
      <fieldset className="channels">
        <legend>Channels (tick those you reconnected)</legend>
        <ul className="plain">
          {channels.map((c) => (
            <li key={c.id}>
              <label>
                <input type="checkbox" disabled={c.reconnectedAt !== null} checked={c.reconnectedAt !== null || chosen.includes(c.id)} onChange={(e) => toggle(c.id, e.target.checked)} />{' '}
                <strong>{c.name ?? c.connector}</strong> ({c.connector}){c.wasConnected ? '' : ', was not connected'}
                {c.reconnectedAt ? <span className="ok"> — reconnected {new Date(c.reconnectedAt).toLocaleString()}</span> : null}
              </label>
              {c.webhook && !c.reconnectedAt ? <div className="help break">Callback address: {c.webhook}</div> : null}
            </li>
          ))}
        </ul>
      </fieldset>
      {open.length > 0 ? (
        <ActionForm<{ channels: Channel[] }>
          key={chosen.length === 0 ? 'none' : 'some'}
          task="P6"
          action="reconnected"
          title="Record reconnected channels"
          submit={`Mark ${chosen.length} as reconnected`}
          disabled={chosen.length === 0 ? 'Tick the channels you reconnected first.' : undefined}
          extra={() => ({ ids: chosen })}
          onDone={() => {
            setChosen([]);
            refresh();
          }}
        />
      ) : null}
    </>
  );
}
