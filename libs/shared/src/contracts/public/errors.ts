import { z } from '../zod';
import { ERROR_CODES } from '../../errors/error-code';

/** Every refusal, over HTTP and in socket acknowledgements (CONTRACT.md, Conventions). */
export const errorBodySchema = z.object({ code: z.enum(ERROR_CODES), message: z.string() });
export const errorResponseSchema = z.object({ error: errorBodySchema }).openapi('Error');
