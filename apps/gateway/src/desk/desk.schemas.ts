import { z } from 'zod';
import { DeskCommandName, deskCommandPayloads } from '@pupitre/shared';
import { parseInput } from '../http/validation';

export type DeskCommand = DeskCommandName;

/** A desk command's payload, parsed at the door; a refusal is VALIDATION_FAILED, naming the field. */
export function parseCommand<C extends DeskCommand>(
  command: C,
  payload: unknown,
): z.output<(typeof deskCommandPayloads)[C]> {
  const schema = deskCommandPayloads[command] as z.ZodType<
    z.output<(typeof deskCommandPayloads)[C]>,
    z.ZodTypeDef,
    unknown
  >;
  return parseInput(schema, payload ?? {}, 'payload');
}
