import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CannedResponse } from '@pupitre/shared';
import { AdminGuard } from '../auth';
import { PathIdPipe } from '../http';
import { RequestClient } from '../kafka';
import { parseCreateCanned } from './admin.schemas';

/** Admin API: canned responses (the conversation service keeps them). */
@Controller('v1/admin/canned-responses')
@UseGuards(AdminGuard)
export class CannedController {
  constructor(private readonly client: RequestClient) {}

  @Post()
  create(@Body() body: unknown): Promise<CannedResponse> {
    const id = randomUUID();
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
