import { z } from './zod';
import { textProblem, unstorableProblem } from '../domain/message-text';

/**
 * Lengths in the contract are characters, i.e. code points: zod's own `.max` counts UTF-16 units
 * and would refuse 100 emoji as 200. Every edge (gateway and services) uses these.
 */
export const codePointString = (min: number, max: number) =>
  z
    .string({ required_error: 'required', invalid_type_error: 'must be a string' })
    .superRefine((s, ctx) => {
      const n = [...s].length;
      const problem = n < min || n > max ? `must be ${min} to ${max} characters` : unstorableProblem(s);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    })
    .openapi({ minLength: min, maxLength: max });

/** Text that must not be blank, counted in code points (names, titles, messages). */
export const boundedText = (max: number) =>
  z
    .string({ required_error: 'required', invalid_type_error: 'must be a string' })
    .superRefine((t, ctx) => {
      const problem = textProblem(t, max);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    })
    .openapi({ minLength: 1, maxLength: max });
