import { Injectable } from '@nestjs/common';
import { type Actor, OperatorLog, UNNAMED_ACTOR } from '@app/domain';
import { DispatchScheduler } from './dispatch-scheduler.js';
import { GetDispatchStatus, type SchedulerStatus } from './get-dispatch-status.use-case.js';

/**
 * Stops sending for the cluster (idempotent) and remembers the decision; answers once this
 * replica's sends in flight are done. Written to the operator log, with who asked (`actor`), after
 * the state has changed.
 */
@Injectable()
export class StopDispatch {
  constructor(
    private readonly scheduler: DispatchScheduler,
    private readonly status: GetDispatchStatus,
    private readonly log: OperatorLog,
  ) {}

  async execute(actor: Actor = UNNAMED_ACTOR): Promise<SchedulerStatus> {
    await this.scheduler.stop();
    await this.log.record({ actor, action: 'stop', messageCount: 0, detail: {} });
    return this.status.execute();
  }
}
