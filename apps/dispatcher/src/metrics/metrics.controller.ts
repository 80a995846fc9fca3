import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Registry } from 'prom-client';
import { ApiPublic } from '../http/api-docs.js';

/**
 * Prometheus exposition. Unauthenticated, like /health: scrapers rarely carry custom headers,
 * and the series hold counts and timings only, never message data or keys. Keep it inside the
 * cluster (no Ingress route), as the Kubernetes manifests do.
 */
@ApiTags('operations')
@ApiPublic()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics of this replica (no API key needed)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text format 0.0.4',
    schema: {
      type: 'string',
      example: '# HELP dispatcher_scheduler_running Sending is on for the cluster\n# TYPE dispatcher_scheduler_running gauge\ndispatcher_scheduler_running 1\n',
    },
  })
  async metrics(@Res({ passthrough: true }) response: Response): Promise<string> {
    const body = await this.registry.metrics();
    response.type(this.registry.contentType);
    return body;
  }
}
