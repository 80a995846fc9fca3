import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { DEFAULT_BEHAVIOUR, type ReceivedRequest, type SandboxBehaviour } from './sandbox-behaviour.js';

export class SandboxOptions {
  authKey!: string;
  behaviour?: Partial<SandboxBehaviour>;
}

/** The sandbox's memory: its behaviour knobs, what it received, and the requests it holds open. */
@Injectable()
export class SandboxState {
  behaviour: SandboxBehaviour;
  readonly received: ReceivedRequest[] = [];
  readonly hanging = new Set<Response>();

  constructor(readonly options: SandboxOptions) {
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...options.behaviour, script: [...(options.behaviour?.script ?? [])] };
  }

  configure(change: Partial<SandboxBehaviour>): SandboxBehaviour {
    this.behaviour = { ...this.behaviour, ...change, script: [...(change.script ?? this.behaviour.script)] };
    return this.behaviour;
  }

  reset(): void {
    this.received.length = 0;
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...this.options.behaviour, script: [...(this.options.behaviour?.script ?? [])] };
  }

  /** Ends requests held open by `hang`, so the server can close. */
  releaseHanging(): void {
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
  }
}
