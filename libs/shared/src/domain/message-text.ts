/** CONTRACT.md Conventions: 1–4000 characters of any Unicode, kept byte for byte, not blank. */
export const MAX_TEXT_CHARS = 4000;

/** Returns why the text is refused, or null when it is acceptable. Characters are code points. */
export function textProblem(text: unknown, max = MAX_TEXT_CHARS): string | null {
  if (typeof text !== 'string') return 'must be a string';
  if (text.trim().length === 0) return 'must not be empty or only whitespace';
  if (!text.isWellFormed()) return 'must be well-formed Unicode (no lone surrogates)';
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  const chars = [...text].length;
  if (chars > max) return `must be at most ${max} characters, got ${chars}`;
  return null;
}
