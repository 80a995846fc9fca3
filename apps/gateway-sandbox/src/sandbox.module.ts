import { type BeforeApplicationShutdown, type DynamicModule, Module } from '@nestjs/common';
import { ControlController } from './control.controller.js';
import { SandboxOptions, SandboxState } from './sandbox-state.js';
import { WebhookController } from './webhook.controller.js';

@Module({})
export class SandboxModule implements BeforeApplicationShutdown {
  constructor(private readonly state: SandboxState) {}

  static forRoot(options: SandboxOptions): DynamicModule {
    return {
      module: SandboxModule,
      controllers: [WebhookController, ControlController],
      providers: [{ provide: SandboxOptions, useValue: options }, SandboxState],
      exports: [SandboxState],
    };
  }

  beforeApplicationShutdown(): void {
    this.state.releaseHanging();
  }
}
