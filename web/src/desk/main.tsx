import { render } from 'preact';
import { App } from './app';
import { DeskClient } from './desk-client';
import { tokenStore } from './token';
import './desk.css';

const client = new DeskClient();
const kept = tokenStore.get();
if (kept) client.signIn(kept);
render(<App client={client} />, document.getElementById('app')!);
