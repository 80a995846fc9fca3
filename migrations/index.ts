/** Every migration, oldest first. A landed migration is never edited: add a new one. */
import { CreateMessages1795326000000 } from './1795326000000-create-messages.js';
import { DeliveryGuarantees1795333000000 } from './1795333000000-delivery-guarantees.js';
import { MessageStatusCounts1795400000000 } from './1795400000000-message-status-counts.js';
import { DispatchPipeline1795500000000 } from './1795500000000-dispatch-pipeline.js';
import { MessageBatches1795510000000 } from './1795510000000-message-batches.js';
import { MessagePriority1795600000000 } from './1795600000000-message-priority.js';
import { OperatorTools1795700000000 } from './1795700000000-operator-tools.js';
import { DashboardSessions1795710000000 } from './1795710000000-dashboard-sessions.js';
import { TickPermit1795800000000 } from './1795800000000-tick-permit.js';

export const MIGRATIONS = [
  CreateMessages1795326000000,
  DeliveryGuarantees1795333000000,
  MessageStatusCounts1795400000000,
  DispatchPipeline1795500000000,
  MessageBatches1795510000000,
  MessagePriority1795600000000,
  OperatorTools1795700000000,
  DashboardSessions1795710000000,
  TickPermit1795800000000,
];
