import { randomUUID } from 'node:crypto';
import { remunerationEventId, uuidV5 } from './remuneration-event-id';

describe(remunerationEventId.name, () => {
  it('is the same for the same conversation, whatever the case of its id', () => {
    const id = randomUUID();
    expect(remunerationEventId(id)).toBe(remunerationEventId(id.toUpperCase()));
  });

  it('differs between conversations', () => {
    expect(remunerationEventId(randomUUID())).not.toBe(remunerationEventId(randomUUID()));
  });

  it('is a version 5 UUID', () => {
    expect(remunerationEventId(randomUUID())).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe(uuidV5.name, () => {
  it('gives the well-known v5 id of www.example.com in the DNS namespace', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
});
