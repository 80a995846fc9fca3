/** The application layer: use cases and the scheduler that runs them. */
export * from './application.module.js';
export * from './dispatch-settings.js';
export * from './dispatch/dispatch-batch.use-case.js';
export * from './messages/create-message.command.js';
export * from './messages/create-message.use-case.js';
export * from './messages/get-message.use-case.js';
export * from './messages/get-message-stats.use-case.js';
export * from './messages/list-messages.use-case.js';
export * from './messages/list-sent-messages.use-case.js';
export * from './messages/replay-message.use-case.js';
export * from './messages/replay-messages.use-case.js';
export * from './dispatch/circuit-breaker.js';
export * from './scheduler/dispatch-scheduler.js';
export * from './scheduler/get-dispatch-status.use-case.js';
export * from './scheduler/start-dispatch.use-case.js';
export * from './scheduler/stop-dispatch.use-case.js';
export * from './scheduler/ticker.js';
