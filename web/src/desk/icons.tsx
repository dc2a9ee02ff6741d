import type { Channel } from '../common/contracts';

/** R1: the mobile icon, in the list and beside the avatar. Web chat gets a discreet globe. */
export function ChannelIcon({ channel, where }: { channel: Channel; where: 'list' | 'thread' }) {
  const mobile = channel === 'mobile_app';
  return (
    <span
      class={`channel-icon ${mobile ? 'mobile' : 'web'}`}
      data-channel-icon={mobile ? 'mobile' : 'web'}
      data-where={where}
      role="img"
      aria-label={mobile ? 'Mobile app' : 'Web chat'}
      title={mobile ? 'Mobile app (through the SDK)' : 'Web chat'}
    >
      {mobile ? (
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
          <rect
            x="4"
            y="1"
            width="8"
            height="14"
            rx="1.5"
            fill="none"
            stroke="currentColor"
            stroke-width="1.6"
          />
          <circle cx="8" cy="12.2" r="0.9" fill="currentColor" />
        </svg>
      ) : (
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
          <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" stroke-width="1.4" />
          <path
            d="M2 8h12M8 1.8c2 2 2 10.4 0 12.4M8 1.8c-2 2-2 10.4 0 12.4"
            fill="none"
            stroke="currentColor"
            stroke-width="1.2"
          />
        </svg>
      )}
    </span>
  );
}

export function Avatar({ name }: { name: string }) {
  const initials =
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => [...w][0])
      .join('')
      .toUpperCase() || '?';
  return (
    <span class="avatar" aria-hidden="true">
      {initials}
    </span>
  );
}
