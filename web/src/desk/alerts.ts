/** How the desk tells an agent that a conversation arrived: title badge, optional sound, system notice. */
const SOUND_KEY = 'pupitre.desk.sound';
const BASE_TITLE = 'Pupitre — desk';

export const soundPreference = {
  get: (): boolean => localStorage.getItem(SOUND_KEY) === 'on',
  set: (on: boolean) => localStorage.setItem(SOUND_KEY, on ? 'on' : 'off'),
};

export function setTitleBadge(unread: number): void {
  document.title = unread > 0 ? `(${unread}) ${BASE_TITLE}` : BASE_TITLE;
}

let audio: AudioContext | null = null;

/** A short two-tone chime made on the spot: no sound file to fetch. */
export function chime(): void {
  if (!soundPreference.get()) return;
  try {
    audio ??= new AudioContext();
    const t = audio.currentTime;
    for (const [i, freq] of [660, 880].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.15, t + i * 0.15);
      gain.gain.exponentialRampToValueAtTime(0.001, t + i * 0.15 + 0.14);
      osc.connect(gain).connect(audio.destination);
      osc.start(t + i * 0.15);
      osc.stop(t + i * 0.15 + 0.15);
    }
  } catch {
    // No audio device: the title badge and the notice still tell.
  }
}

/** A system notification when the page is not in front and the agent allowed them. */
export function systemNotice(text: string): void {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  try {
    new Notification('Pupitre', { body: text, tag: 'pupitre-desk' });
  } catch {
    // Some browsers allow notifications only from a service worker: the in-page notice remains.
  }
}
