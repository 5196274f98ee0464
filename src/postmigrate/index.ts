/**
 * The on-premise assistant (DESIGN §7): after a restore, every task of P1–P11 and R5 checks
 * itself against the installation's real data and can be done from the CLI or the API. One
 * module per task; `checklist.ts` gathers their states; `installation.ts` opens an installation;
 * `state.ts` keeps what the tasks remember in the installation's own database.
 */
export { checklist, taskStatus, type Checklist } from './checklist.js';
export { openInstallation, type Installation, type Clock } from './installation.js';
export { taskIds, isTaskId, type TaskId, type TaskStatus } from './tasks.js';
