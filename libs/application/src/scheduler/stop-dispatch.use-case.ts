import { Injectable } from '@nestjs/common';
import { DispatchScheduler, type SchedulerStatus } from './dispatch-scheduler.js';

/** Stops sending (idempotent); resolves once the tick in flight has finished. */
@Injectable()
export class StopDispatch {
  constructor(private readonly scheduler: DispatchScheduler) {}

  execute(): Promise<SchedulerStatus> {
    return this.scheduler.stop();
  }
}
