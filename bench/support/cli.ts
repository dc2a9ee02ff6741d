/** A progress line on stderr, with the time of day (UTC): what every bench prints while it runs. */
export const say = (line: string): void => {
  process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
};

/** `--name <text>`'s text, or undefined when absent. */
export function textOption(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** `--name <n>`, a whole number from `min` to `max`, or `fallback` when absent. */
export function integerOption(name: string, fallback: number, min: number, max: number): number {
  const text = textOption(name);
  const v = text !== undefined ? Number(text) : fallback;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
  return v;
}

/** `--name <n>`, a positive number (`integer`: a whole one), or `fallback` when absent. */
export function positiveOption(name: string, fallback: number, integer = false): number {
  const text = textOption(name);
  const v = text !== undefined ? Number(text) : fallback;
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
    throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}`);
  return v;
}
