export type { Dispatcher, DispatchJob, DeliveryHandler } from './dispatcher.js';
export { jobId } from './dispatcher.js';
export { InProcessDispatcher } from './in-process.js';
export { BullMqDispatcher, type BullMqOptions } from './bullmq.js';
