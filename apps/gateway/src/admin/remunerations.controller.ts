import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { AdminGuard } from '../auth';
import { RequestClient } from '../kafka';
import { parseRemunerationsQuery } from './admin.schemas';

/** Admin API: what agents earned (R14), from billing. */
@Controller('v1/admin/remunerations')
@UseGuards(AdminGuard)
export class RemunerationsController {
  constructor(private readonly client: RequestClient) {}

  @Get()
  list(@Query() query: unknown) {
    const q = parseRemunerationsQuery(query);
    return this.client.request('billing', 'remunerations.list', q, q.agentId ? { key: q.agentId } : {});
  }
}
