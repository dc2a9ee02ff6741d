import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { CannedResponse } from '@pupitre/shared';
import { AdminGuard } from '../auth';
import { PathIdPipe } from '../http';
import { RequestClient } from '../kafka';
import { parseCreateCanned } from './admin.schemas';
import { createdId } from './idempotency-key';

/** Admin API: canned responses (the conversation service keeps them). */
@Controller('v1/admin/canned-responses')
@UseGuards(AdminGuard)
export class CannedController {
  constructor(private readonly client: RequestClient) {}

  /** With `Idempotency-Key`, a retry returns the first one (the service's insert is idempotent on the id). */
  @Post()
  create(@Body() body: unknown, @Headers('idempotency-key') key: unknown): Promise<CannedResponse> {
    const id = createdId('canned-response', key);
    return this.client.request(
      'conversation',
      'canned.create',
      { id, ...parseCreateCanned(body) },
      { key: id },
    );
  }

  @Get()
  list(): Promise<CannedResponse[]> {
    return this.client.request('conversation', 'canned.list', {});
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', PathIdPipe) id: string): Promise<void> {
    await this.client.request('conversation', 'canned.delete', { id }, { key: id });
  }
}
