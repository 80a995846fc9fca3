import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Put } from '@nestjs/common';
import { SANDBOX_MODES, type SandboxBehaviour } from './sandbox-behaviour.js';
import { SandboxState } from './sandbox-state.js';

/** Knobs and records for tests, demos and benchmarks; not part of the gateway contract. */
@Controller('__sandbox')
export class ControlController {
  constructor(private readonly state: SandboxState) {}

  @Get('received')
  received() {
    return { count: this.state.received.length, items: this.state.received };
  }

  @Delete('received')
  @HttpCode(204)
  clear(): void {
    this.state.received.length = 0;
  }

  @Get('behaviour')
  behaviour(): SandboxBehaviour {
    return this.state.behaviour;
  }

  @Put('behaviour')
  configure(@Body() change: Partial<SandboxBehaviour>): SandboxBehaviour {
    const problems = validate(change);
    if (problems.length > 0) throw new BadRequestException(problems.join('; '));
    return this.state.configure(change);
  }
}

function validate(change: Partial<SandboxBehaviour>): string[] {
  const problems: string[] = [];
  const modes: readonly string[] = SANDBOX_MODES;
  if (change.mode !== undefined && !modes.includes(change.mode)) problems.push(`mode must be one of ${SANDBOX_MODES.join(', ')}`);
  if (change.script !== undefined && !(Array.isArray(change.script) && change.script.every((m) => modes.includes(m)))) {
    problems.push('script must be a list of modes');
  }
  for (const key of ['latencyMs', 'slowMs', 'retryAfterSeconds'] as const) {
    if (change[key] !== undefined && !(Number.isInteger(change[key]) && (change[key] as number) >= 0)) problems.push(`${key} must be a whole number >= 0`);
  }
  for (const key of ['failureRate', 'slowRate'] as const) {
    if (change[key] !== undefined && !(typeof change[key] === 'number' && (change[key] as number) >= 0 && (change[key] as number) <= 1)) {
      problems.push(`${key} must be a number from 0 to 1`);
    }
  }
  return problems;
}
