import { withTag } from './with-tag';

describe(withTag.name, () => {
  it('R2: adds a new tag at the end, as written', () => {
    expect(withTag(['vip'], 'Refund', 'add')).toEqual(['vip', 'Refund']);
  });

  it('adding a tag already there returns the same list, so nothing is stored or announced', () => {
    const tags = ['vip'];
    expect(withTag(tags, 'vip', 'add')).toBe(tags);
  });

  it('removes the tag and keeps the order of the others', () => {
    expect(withTag(['a', 'b', 'c'], 'b', 'remove')).toEqual(['a', 'c']);
  });
});
