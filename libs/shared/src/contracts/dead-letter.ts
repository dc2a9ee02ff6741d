/**
 * Topic `<topic>.dlq`, key = the original key. Produced by any consumer that gave up on a message
 * (invalid, or failing after the bounded attempts); read by operators, replayed by hand.
 */
export interface DeadLetter {
  originalTopic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  consumerGroup: string;
  error: string;
  attempts: number;
  deadLetteredAt: string;
}

export const deadLetterTopic = (topic: string) => `${topic}.dlq`;
