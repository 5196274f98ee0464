import type { ReactNode } from 'react';

/** The on-premise assistant: the checklist of steps after the restore (P1–P11, R5). */
export function AssistantApp(): ReactNode {
  return (
    <>
      <header className="top">
        <strong>repatriate</strong>
        <span>On-premise assistant</span>
      </header>
      <main>
        <h1>After the restore</h1>
      </main>
    </>
  );
}
