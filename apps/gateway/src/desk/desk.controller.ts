import { Controller, Get, Header } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Found beside this file (source, or dist when the build copies it) or, from dist, in the sources. */
const CANDIDATES = [
  join(__dirname, 'desk.html'),
  join(__dirname, '../../../../apps/gateway/src/desk/desk.html'),
];

export function loadDeskPage(): string {
  const path = CANDIDATES.find((p) => existsSync(p));
  if (!path) throw new Error(`desk.html not found (looked in ${CANDIDATES.join(', ')})`);
  return readFileSync(path, 'utf8');
}

/** The agent desk: one self-contained page talking to the `/desk` socket. */
@Controller()
export class DeskController {
  private readonly page = loadDeskPage();

  @Get('desk')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  desk(): string {
    return this.page;
  }
}
