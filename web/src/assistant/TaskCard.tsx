import type { ReactNode } from 'react';
import { P1Passwords } from './P1Passwords.js';
import { P2Wizard } from './P2Wizard.js';
import { P3Search } from './P3Search.js';
import { P4Updates } from './P4Updates.js';
import { P5Address } from './P5Address.js';
import { P6Channels } from './P6Channels.js';
import { P7Push } from './P7Push.js';
import { P8Sites } from './P8Sites.js';
import { P9Mail } from './P9Mail.js';
import { P10Telephony } from './P10Telephony.js';
import { P11Apps } from './P11Apps.js';
import { R5Certificate } from './R5Certificate.js';
import type { PanelProps, TaskState } from './types.js';

/** One task of the checklist: its ID and title, its state in words (not colour alone), why, and its panel. */
const panels: Record<string, (props: PanelProps) => ReactNode> = {
  P1: P1Passwords, P2: P2Wizard, P3: P3Search, P4: P4Updates, P5: P5Address, P6: P6Channels,
  P7: P7Push, P8: P8Sites, P9: P9Mail, R5: R5Certificate, P10: P10Telephony, P11: P11Apps,
};

const stateLabel: Record<TaskState, string> = { done: 'Done', todo: 'To do', blocked: 'Blocked' };

export function StateBadge({ state }: { state: TaskState }): ReactNode {
  return <span className={`badge badge-${state}`}>{stateLabel[state]}</span>;
}

export function TaskCard({ task, refresh }: PanelProps): ReactNode {
  const Panel = panels[task.id];
  const headingId = `task-${task.id}`;
  return (
    <section className={`panel task task-${task.state}`} aria-labelledby={headingId} data-task={task.id} data-state={task.state}>
      <div className="task-head">
        <h2 id={headingId}>
          <span className="task-id">{task.id}</span> {task.title}
        </h2>
        <StateBadge state={task.state} />
      </div>
      <p className="why">{task.why}</p>
      {Panel ? <Panel task={task} refresh={refresh} /> : null}
    </section>
  );
}
