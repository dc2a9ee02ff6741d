import { CAPABILITIES_BY_CHANNEL, capabilitiesFor, isFeatureAvailable, type Feature } from './capabilities';

describe(capabilitiesFor.name, () => {
  it('R2: on mobile_app an agent can send canned responses', () => {
    expect(capabilitiesFor('mobile_app').cannedResponses).toBe(true);
  });

  it('R2: on mobile_app an agent can block a malicious visitor', () => {
    expect(capabilitiesFor('mobile_app').block).toBe(true);
  });

  it('R2: on mobile_app an agent can send emojis', () => {
    expect(capabilitiesFor('mobile_app').emoji).toBe(true);
  });

  it('R2: on mobile_app an agent can tag the conversation', () => {
    expect(capabilitiesFor('mobile_app').tags).toBe(true);
  });

  it('R3: on mobile_app attachments, offers and links, mirroring, navigation control and transfer are refused', () => {
    expect(capabilitiesFor('mobile_app')).toMatchObject({
      attachments: false,
      offersAndLinks: false,
      mirroring: false,
      navigationControl: false,
      transfer: false,
    });
  });

  it('R3: on web_chat every feature is a channel feature', () => {
    expect(Object.values(capabilitiesFor('web_chat')).every((v) => v === true)).toBe(true);
  });

  it('returns a copy, so callers cannot change the table', () => {
    const caps = capabilitiesFor('mobile_app');
    caps.transfer = true;
    expect(capabilitiesFor('mobile_app').transfer).toBe(false);
    expect(CAPABILITIES_BY_CHANNEL.mobile_app.transfer).toBe(false);
  });
});

describe(isFeatureAvailable.name, () => {
  const mobileAllowed: Feature[] = ['cannedResponses', 'block', 'emoji', 'tags'];
  const mobileRefused: Feature[] = [
    'attachments',
    'offersAndLinks',
    'mirroring',
    'navigationControl',
    'transfer',
  ];

  it.each(mobileAllowed)('R2: %s is available on mobile_app', (feature) => {
    expect(isFeatureAvailable('mobile_app', feature)).toBe(true);
  });

  it.each(mobileRefused)('R3: %s is unavailable on mobile_app', (feature) => {
    expect(isFeatureAvailable('mobile_app', feature)).toBe(false);
  });

  it.each([...mobileAllowed, ...mobileRefused])('R3: %s is available on web_chat', (feature) => {
    expect(isFeatureAvailable('web_chat', feature)).toBe(true);
  });
});
