import { Controller, Get, Param, Res } from '@nestjs/common';
import { DomainError } from '@pupitre/shared';
import { CONTENT_SECURITY_POLICY, readWebFile, WEB_DIR_CANDIDATES } from './web-assets';

/** What the handlers need of Express's response. */
interface RawResponse {
  setHeader(name: string, value: string): void;
  send(body: Buffer): void;
}

/** The agent desk (`/desk`) and the demo visitor (`/demo`): built pages and their assets, under a strict CSP. */
@Controller()
export class DeskController {
  @Get('desk')
  desk(@Res() res: RawResponse): void {
    send(res, 'desk.html', '', 'no-cache');
  }

  @Get('demo')
  demo(@Res() res: RawResponse): void {
    send(res, 'demo.html', '', 'no-cache');
  }

  /** Hashed file names: cached for good. */
  @Get('desk/assets/:file')
  asset(@Param('file') file: string, @Res() res: RawResponse): void {
    send(res, file, 'assets', 'public, max-age=31536000, immutable');
  }
}

function send(res: RawResponse, name: string, sub: '' | 'assets', cache: string): void {
  const file = readWebFile(name, sub);
  if (!file) {
    const what = sub
      ? `no such file: ${name}`
      : `${name} is not built (run npm run build; looked in ${WEB_DIR_CANDIDATES.join(', ')})`;
    throw new DomainError('NOT_FOUND', what);
  }
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', cache);
  res.setHeader('Content-Type', file.contentType);
  res.send(file.body);
}
