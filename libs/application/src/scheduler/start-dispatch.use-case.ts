import { Injectable } from '@nestjs/common';
import { DispatchScheduler, type SchedulerStatus } from './dispatch-scheduler.js';

/** Starts sending (idempotent) and remembers the decision. */
@Injectable()
export class StartDispatch {
  constructor(private readonly scheduler: DispatchScheduler) {}

  execute(): Promise<SchedulerStatus> {
    return this.scheduler.start();
  }
}
