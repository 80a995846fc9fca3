import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { AppConfig } from '@app/infrastructure';
import { ApiPublic } from '../http/api-docs.js';
import { APP_VERSION } from './app-version.js';

export class VersionDto {
  @ApiProperty({ example: '0.1.0' })
  version!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '3f2c1ab',
    description: 'The commit the image was built from (GIT_COMMIT), null when the build did not record it',
  })
  commit!: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-11-29T21:00:00.000Z', description: 'When this process started' })
  startedAt!: string;

  @ApiProperty({ example: 'dispatcher-7d9f-abcde', description: 'This replica (INSTANCE_ID, by default the pod name and process id)' })
  instanceId!: string;

  @ApiProperty({ example: 'v20.20.2' })
  node!: string;
}

const STARTED_AT = new Date(Date.now() - process.uptime() * 1000).toISOString();

/** What is running where: unauthenticated, like the health probes; it reveals no data. */
@ApiTags('operations')
@ApiPublic()
@Controller('version')
export class VersionController {
  constructor(private readonly config: AppConfig) {}

  @Get()
  @ApiOperation({ summary: 'Version, commit and start time of this replica (no API key needed)' })
  @ApiOkResponse({ type: VersionDto, description: 'What runs here' })
  version(): VersionDto {
    return { version: APP_VERSION, commit: this.config.gitCommit, startedAt: STARTED_AT, instanceId: this.config.instanceId, node: process.version };
  }
}
