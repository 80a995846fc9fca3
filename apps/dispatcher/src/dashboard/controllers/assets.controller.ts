import { Controller, Get, NotFoundException, Param, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ASSET_CACHE_CONTROL, DashboardAssets } from '../dashboard-assets.js';
import { DashboardExceptionFilter } from '../dashboard-exception.filter.js';

/** The dashboard's scripts and styles, open to all (they hold no data), cached for a year under versioned names. */
@ApiExcludeController()
@UseFilters(DashboardExceptionFilter)
@Controller('dashboard/assets')
export class AssetsController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get(':name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundException();
    res.setHeader('Content-Type', asset.contentType);
    res.setHeader('Cache-Control', ASSET_CACHE_CONTROL);
    res.send(asset.body);
  }
}
