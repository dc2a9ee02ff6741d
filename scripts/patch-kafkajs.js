#!/usr/bin/env node
/**
 * npm postinstall: fixes kafkajs 2.2.4's request queue (kafkajs #1751, no release will carry the fix).
 *
 * After every response its scheduleCheckPendingRequests() arms a timer of `throttledUntil - now`,
 * where `throttledUntil` is -1 when the broker never throttled: a delay of minus the epoch. Node
 * clamps it to 1 ms, so each connection re-arms a 1 ms timer forever (about 800 wake-ups a second),
 * and Node 24 prints a TimeoutNegativeWarning for it. The timer is only needed while requests wait in
 * the queue: arm it then, for the throttle's remaining time or the queue's check interval.
 * Idempotent; fails the install if kafkajs no longer has the code it replaces.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const file = join(__dirname, '..', 'node_modules/kafkajs/src/network/requestQueue/index.js');
const marker = '/* pupitre: kafkajs #1751 */';
const original = `    let scheduleAt = this.throttledUntil - Date.now()
    if (!this.throttleCheckTimeoutId) {
      if (this.pending.length > 0) {
        scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL
      }
      this.throttleCheckTimeoutId = setTimeout(() => {`;
const patched = `    ${marker}
    if (!this.throttleCheckTimeoutId && this.pending.length > 0) {
      const throttledFor = this.throttledUntil - Date.now()
      const scheduleAt = throttledFor > 0 ? throttledFor : CHECK_PENDING_REQUESTS_INTERVAL
      this.throttleCheckTimeoutId = setTimeout(() => {`;

let source;
try {
  source = readFileSync(file, 'utf8');
} catch {
  process.exit(0); // kafkajs not installed (e.g. `npm ci --omit=prod`): nothing to patch
}
if (source.includes(marker)) process.exit(0);
if (!source.includes(original)) {
  process.stderr.write(`patch-kafkajs: ${file} changed; review scripts/patch-kafkajs.js for this kafkajs\n`);
  process.exit(1);
}
writeFileSync(file, source.replace(original, patched));
