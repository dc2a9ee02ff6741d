/** How a finance team reads `billing.remunerations` (CONTRACT.md, Finance topic), for the documents. */
export const FINANCE_CONSUMPTION = [
  'One record per conversation closed with at least one agent message (R14): the agent who wrote the last',
  'agent message is paid `amountMinor` (minor units) in `currency`. To consume it:',
  '- Key = conversationId: all records of one conversation are on one partition, in order.',
  '- Delivery is at least once: a redelivery carries the same `eventId`, and no conversation ever gets two',
  '  different `eventId`s. Deduplicate on `eventId` (e.g. a unique key in your ledger, insert-if-absent).',
  "- Use your own consumer group (e.g. `finance-remunerations`), never one of Pupitre's, so your offsets",
  "  are yours and Pupitre's consumers are not disturbed.",
  '- Start from the beginning (`auto.offset.reset=earliest`, kafkajs `fromBeginning: true`) the first time,',
  '  to read every remuneration ever published; afterwards, commit offsets after your own commit.',
  '- Values are JSON (UTF-8); times are ISO 8601 UTC. Ignore fields you do not know: fields may be added.',
].join('\n');
