export type { Dispatcher, DispatchJob, DeliveryHandler, HandlerContext } from './dispatcher.js';
export { jobId } from './dispatcher.js';
export { InProcessDispatcher } from './in-process.js';
export { BullMqDispatcher, type BullMqOptions } from './bullmq.js';
export { FailoverDispatcher } from './failover.js';
// issue 22: the inbox bell
export { LocalBell, RedisBell, ringingDispatcher, type InboxBell } from './inbox-bell.js';
