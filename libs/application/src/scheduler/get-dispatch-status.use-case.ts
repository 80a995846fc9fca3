import { Injectable } from '@nestjs/common';
import { DispatchScheduler, type SchedulerStatus } from './dispatch-scheduler.js';

@Injectable()
export class GetDispatchStatus {
  constructor(private readonly scheduler: DispatchScheduler) {}

  execute(): Promise<SchedulerStatus> {
    return this.scheduler.status();
  }
}
