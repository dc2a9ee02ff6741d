/**
 * R2: agents tag conversations. A tag is 1–50 characters, kept as written; the list has no duplicates
 * and keeps insertion order. Unchanged, the same array comes back (nothing to store or announce).
 */
export function withTag(tags: string[], tag: string, action: 'add' | 'remove'): string[] {
  if (action === 'add') return tags.includes(tag) ? tags : [...tags, tag];
  return tags.filter((t) => t !== tag);
}
