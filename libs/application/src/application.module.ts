import { type DynamicModule, Module } from '@nestjs/common';
import { Clock, MessageGateway } from '@app/domain';
import { CircuitBreakerGateway } from './dispatch/circuit-breaker-gateway.js';
import { DispatchBatch } from './dispatch/dispatch-batch.use-case.js';
import { SendPacer } from './dispatch/send-pacer.js';
import { Housekeeping } from './dispatch/housekeeping.use-case.js';
import { TickListener } from './dispatch/tick-listener.js';
import { DispatchSettings } from './dispatch-settings.js';
import { MessageSettings } from './message-settings.js';
import { CreateMessage } from './messages/create-message.use-case.js';
import { CreateMessages } from './messages/create-messages.use-case.js';
import { GetMessageStats } from './messages/get-message-stats.use-case.js';
import { GetMessage } from './messages/get-message.use-case.js';
import { GetReceipt } from './messages/get-receipt.use-case.js';
import { PreviewReplay } from './messages/preview-replay.use-case.js';
import { SettleMessage } from './messages/settle-message.use-case.js';
import { GetQueueLag } from './messages/get-queue-lag.use-case.js';
import { ListCachedReceipts } from './messages/list-cached-receipts.use-case.js';
import { ListMessages } from './messages/list-messages.use-case.js';
import { ListSentMessages } from './messages/list-sent-messages.use-case.js';
import { ReplayMessage } from './messages/replay-message.use-case.js';
import { ReplayMessages } from './messages/replay-messages.use-case.js';
import { GetSendHistory } from './operator/get-send-history.use-case.js';
import { ListDispatchEvents } from './operator/list-dispatch-events.use-case.js';
import { ListOperatorLog } from './operator/list-operator-log.use-case.js';
import { DispatchScheduler } from './scheduler/dispatch-scheduler.js';
import { GetDispatchStatus } from './scheduler/get-dispatch-status.use-case.js';
import { StartDispatch } from './scheduler/start-dispatch.use-case.js';
import { StopDispatch } from './scheduler/stop-dispatch.use-case.js';

const messageUseCases = [CreateMessage, CreateMessages, GetMessage, ListMessages, GetMessageStats, GetQueueLag, ReplayMessage, ReplayMessages];
/** The reads that also need the receipt cache (SentMessageCache): the dispatcher's API only. */
const receiptUseCases = [ListSentMessages, GetReceipt, ListCachedReceipts];
const dispatchUseCases = [DispatchBatch, SendPacer, Housekeeping, TickListener, DispatchScheduler, StartDispatch, StopDispatch, GetDispatchStatus];
/** What operators need besides sending (the operator log, settlements, previews, charts): the dispatcher's API and dashboard. */
const operatorUseCases = [SettleMessage, PreviewReplay, ListOperatorLog, GetSendHistory, ListDispatchEvents];

/** The gateway the dispatch path sends through: the adapter behind MessageGateway, with the breaker around it. */
const breakerGateway = {
  provide: CircuitBreakerGateway,
  useFactory: (gateway: MessageGateway, settings: DispatchSettings, clock: Clock) => new CircuitBreakerGateway(gateway, settings.breaker, clock),
  inject: [MessageGateway, DispatchSettings, Clock],
};

/**
 * The use cases. The ports they need (MessageRepository, MessageGateway, SentMessageCache, Clock,
 * SchedulerState, OperatorLog, SendHistory, DispatchEventLog) come from a global adapters module that the app imports beside this one.
 * DispatchMetrics is optional: the app provides it globally when it exports metrics.
 */
@Module({})
export class ApplicationModule {
  /** Everything: the API's use cases and the scheduler that sends. */
  static forDispatcher(settings: DispatchSettings): DynamicModule {
    const providers = [...messageUseCases, ...receiptUseCases, ...dispatchUseCases, ...operatorUseCases];
    return {
      module: ApplicationModule,
      providers: [{ provide: DispatchSettings, useValue: settings }, { provide: MessageSettings, useValue: settings }, breakerGateway, ...providers],
      exports: [...providers, CircuitBreakerGateway],
    };
  }

  /** Only the message use cases, without the scheduler (for one-off commands such as seed): no dispatch settings. */
  static forMessagesOnly(settings: MessageSettings): DynamicModule {
    return { module: ApplicationModule, providers: [{ provide: MessageSettings, useValue: settings }, ...messageUseCases], exports: messageUseCases };
  }
}
