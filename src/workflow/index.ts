/**
 * The vendor's migration desk: the control-plane store, the license registry, assessments,
 * migration requests and their state machine, operators and sessions, orders, the message
 * thread, notifications, telephony requests and the append-only audit trail.
 */
export { openDesk, type Desk, type DeskOptions } from './desk.js';
export { openDeskStore, deskStoreLocation, type DeskStore, type StoreLocation } from './store/store.js';
