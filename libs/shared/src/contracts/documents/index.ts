import { buildAsyncApiDocument } from './asyncapi-document';
import { buildOpenApiDocument } from './openapi-document';

export { buildAsyncApiDocument, buildOpenApiDocument };
export type { AsyncApiDocument } from './asyncapi-document';
export type { OpenApiDocument } from './openapi-document';

/** The documents under docs/, by file name, as they are written (stable: same schemas, same bytes). */
export function renderDocuments(): Record<string, string> {
  const render = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;
  return { 'openapi.json': render(buildOpenApiDocument()), 'asyncapi.json': render(buildAsyncApiDocument()) };
}
