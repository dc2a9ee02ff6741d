import { textProblem } from './message-text';

describe(textProblem.name, () => {
  it.each([
    ['plain', 'hello'],
    ['emoji with skin tone', '👋🏽'],
    ['ZWJ family', '👩‍👩‍👧‍👦'],
    ['right-to-left', 'مرحبا بك'],
    ['markup kept as text', '<b>x</b> & <script>'],
    ['leading and trailing whitespace', '  hi  '],
    ['exactly 4000 code points of emoji', '😀'.repeat(4000)],
  ])('accepts %s', (_name, text) => expect(textProblem(text)).toBeNull());

  it.each([
    ['empty', ''],
    ['whitespace only', ' \n\t '],
    ['Unicode whitespace only (NEL, ideographic space, no-break space)', '\u0085\u3000\u00a0'],
    ['4001 characters', 'a'.repeat(4001)],
    ['a lone surrogate', 'a\ud800b'],
    ['a NUL', 'a\u0000b'],
    ['not a string', 42],
  ])('refuses %s', (_name, text) => expect(textProblem(text)).not.toBeNull());
});
