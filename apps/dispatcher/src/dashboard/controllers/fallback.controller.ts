import { All, Controller, NotFoundException, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DashboardExceptionFilter } from '../dashboard-exception.filter.js';

/** Any other path under /dashboard: the dashboard's 404 page (HTML, with its headers), not the API's JSON. Registered last. */
@ApiExcludeController()
@UseFilters(DashboardExceptionFilter)
@Controller('dashboard')
export class FallbackController {
  @All('*path')
  notFound(): never {
    throw new NotFoundException();
  }
}
