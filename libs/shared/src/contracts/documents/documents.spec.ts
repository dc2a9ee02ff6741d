import { remunerationExample, remunerationSchema } from '../billing-remunerations/remuneration';
import { ALL_TOPICS } from '../topics';
import { buildAsyncApiDocument, renderDocuments } from '.';

describe('generated documents', () => {
  it('are the same bytes for the same schemas (docs:check compares them)', () => {
    expect(renderDocuments()).toEqual(renderDocuments());
  });

  it('describe every topic the system creates', () => {
    const channels = buildAsyncApiDocument().channels as Record<string, { address: string }>;
    expect(
      Object.values(channels)
        .map((c) => c.address)
        .sort(),
    ).toEqual([...ALL_TOPICS].sort());
  });

  it("show the finance topic's example as a valid record", () => {
    expect(remunerationSchema.parse(remunerationExample)).toEqual(remunerationExample);
  });

  it('document the HTTP API from the same bounds the gateway checks', () => {
    const doc = JSON.parse(renderDocuments()['openapi.json']) as {
      components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> };
    };
    expect(doc.components.schemas.CreateAgent.properties.chatCapacity).toMatchObject({
      minimum: 0,
      maximum: 20,
    });
    expect(doc.components.schemas.PostMessage.properties.text).toMatchObject({
      minLength: 1,
      maxLength: 4000,
    });
  });
});
