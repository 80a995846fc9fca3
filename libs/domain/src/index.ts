/** The domain: messages, their rules and the ports the outside world is reached through. */
export * from './errors.js';
export * from './delivery.js';
export * from './message.js';
export * from './message-content.js';
export * from './phone-number.js';
export * from './priority.js';
export * from './ports/clock.port.js';
export * from './ports/message-gateway.port.js';
export * from './ports/message-repository.port.js';
export * from './ports/scheduler-state.port.js';
export * from './ports/sent-message-cache.port.js';
export * from './ports/alert-notifier.port.js';
export * from './ports/leadership.port.js';
