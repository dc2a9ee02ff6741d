import { CONTENT_SECURITY_POLICY, readWebFile } from './web-assets';

describe('web assets', () => {
  it.each(['../package.json', '..', '.env', 'a/b.js', 'desk.ts', 'x.json', '%2e%2e%2fpackage.json', ''])(
    'serves nothing for %p (plain built names only)',
    (name) => {
      expect(readWebFile(name, 'assets')).toBeNull();
    },
  );

  it('allows no inline script or style and nothing from another origin', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("style-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
  });
});
