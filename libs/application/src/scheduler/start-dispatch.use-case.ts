import { Injectable } from '@nestjs/common';
import { DispatchScheduler } from './dispatch-scheduler.js';
import { GetDispatchStatus, type SchedulerStatus } from './get-dispatch-status.use-case.js';

/** Starts sending for the cluster (idempotent) and remembers the decision; the first tick runs at once. */
@Injectable()
export class StartDispatch {
  constructor(
    private readonly scheduler: DispatchScheduler,
    private readonly status: GetDispatchStatus,
  ) {}

  async execute(): Promise<SchedulerStatus> {
    await this.scheduler.start();
    return this.status.execute();
  }
}
