import { Injectable } from '@nestjs/common';
import { DispatchScheduler } from './dispatch-scheduler.js';
import { GetDispatchStatus, type SchedulerStatus } from './get-dispatch-status.use-case.js';

/** Stops sending for the cluster (idempotent) and remembers the decision; answers once this replica's sends in flight are done. */
@Injectable()
export class StopDispatch {
  constructor(
    private readonly scheduler: DispatchScheduler,
    private readonly status: GetDispatchStatus,
  ) {}

  async execute(): Promise<SchedulerStatus> {
    await this.scheduler.stop();
    return this.status.execute();
  }
}
