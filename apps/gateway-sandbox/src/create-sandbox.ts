import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SandboxModule } from './sandbox.module.js';
import type { SandboxOptions } from './sandbox-state.js';

/** A sandbox gateway app, not listening yet. Its webhook is POST /webhook. */
export async function createSandboxApp(options: SandboxOptions, quiet = false): Promise<INestApplication> {
  return NestFactory.create(SandboxModule.forRoot(options), { rawBody: true, ...(quiet ? { logger: false } : {}) });
}
