/** CONTRACT.md Conventions: 1–4000 characters of any Unicode, kept byte for byte, not blank. */
export const MAX_TEXT_CHARS = 4000;

/** Returns why the text is refused, or null when it is acceptable. Characters are code points. */
export function textProblem(text: unknown, max = MAX_TEXT_CHARS): string | null {
  if (typeof text !== 'string') return 'must be a string';
  if (BLANK.test(text)) return 'must not be empty or only whitespace';
  const unstorable = unstorableProblem(text);
  if (unstorable) return unstorable;
  const chars = [...text].length;
  if (chars > max) return `must be at most ${max} characters, got ${chars}`;
  return null;
}

/** JavaScript's whitespace (trim) and Unicode's White_Space (which adds U+0085 NEL). */
const BLANK = /^[\s\p{White_Space}]*$/u;

/**
 * Any string stored byte for byte must be well-formed: PostgreSQL refuses NUL, and the driver would
 * turn a lone surrogate into U+FFFD (two different ids could then become one).
 */
export function unstorableProblem(text: string): string | null {
  if (!text.isWellFormed()) return 'must be well-formed Unicode (no lone surrogates)';
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  return null;
}
