import type { z } from 'zod';

/** One request operation: the schema of its data and of its reply. */
export interface OpSchemas<In extends z.ZodTypeAny = z.ZodTypeAny, Out extends z.ZodTypeAny = z.ZodTypeAny> {
  in: In;
  out: Out;
  /** One line for the generated documents. */
  summary: string;
}

export const op = <In extends z.ZodTypeAny, Out extends z.ZodTypeAny>(
  summary: string,
  input: In,
  output: Out,
): OpSchemas<In, Out> => ({ in: input, out: output, summary });

/** The TypeScript view of a map of operations: what a handler receives (parsed) and returns. */
export type OpsOf<M extends Record<string, OpSchemas>> = {
  [K in keyof M]: { in: z.output<M[K]['in']>; out: z.output<M[K]['out']> };
};
