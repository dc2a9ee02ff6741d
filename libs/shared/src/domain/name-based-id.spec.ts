import { uuidV5 } from './name-based-id';

describe(uuidV5.name, () => {
  it('gives the well-known v5 id of www.example.com in the DNS namespace', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
});
