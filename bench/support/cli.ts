/** A progress line on stderr, with the time of day (UTC): what every bench prints while it runs. */
export const say = (line: string): void => {
  process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
};

/** `--name <n>`, a positive number (`integer`: a whole one), or `fallback` when absent. */
export function positiveOption(name: string, fallback: number, integer = false): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
    throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}`);
  return v;
}
