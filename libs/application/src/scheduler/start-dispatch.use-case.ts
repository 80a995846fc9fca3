import { Injectable } from '@nestjs/common';
import { type Actor, OperatorLog, UNNAMED_ACTOR } from '@app/domain';
import { DispatchScheduler } from './dispatch-scheduler.js';
import { GetDispatchStatus, type SchedulerStatus } from './get-dispatch-status.use-case.js';

/**
 * Starts sending for the cluster (idempotent) and remembers the decision; the first tick runs at
 * once. Written to the operator log, with who asked (`actor`), once the decision is stored.
 */
@Injectable()
export class StartDispatch {
  constructor(
    private readonly scheduler: DispatchScheduler,
    private readonly status: GetDispatchStatus,
    private readonly log: OperatorLog,
  ) {}

  async execute(actor: Actor = UNNAMED_ACTOR): Promise<SchedulerStatus> {
    await this.scheduler.start();
    await this.log.record({ actor, action: 'start', messageCount: 0, detail: {} });
    return this.status.execute();
  }
}
