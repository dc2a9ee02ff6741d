/** The README's example, compiled by `npm run lint` so it never drifts from the API. */
import { createClient, type Message } from '../src';

declare const AsyncStorage: {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
};
declare function render(m: Message): void;
declare function showWait(position: number, seconds?: number): void;
declare function mark(clientMessageId: string, state: string): void;
declare const apnsToken: string;

export async function readmeExample(): Promise<void> {
  const where = { baseUrl: 'https://chat.example.com', channel: 'mobile_app', platform: 'ios' } as const;
  const chat = createClient({ ...where, storage: AsyncStorage }); // web: storage: localStorage
  chat.on('message', (m) => render(m)); // every message once, in order (the visitor's own too)
  chat.on('queue', (q) => showWait(q.position, q.estimatedWaitSeconds)); // while waiting for an agent
  chat.on('outbox', (e) => mark(e.clientMessageId, e.state)); // pending → sent | failed (e.error.code)
  await chat.start(); // the stored visitor or a new one; opens the socket
  await chat.send('Hello!'); // stored at once, pending; leaves as soon as the network allows
  await chat.registerPushToken({ platform: 'ios', token: apnsToken });
}
