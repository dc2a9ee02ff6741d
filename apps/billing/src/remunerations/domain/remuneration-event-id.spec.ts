import { randomUUID } from 'node:crypto';
import { remunerationEventId } from './remuneration-event-id';

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
