import { describe, expect, it } from 'vitest';
import { addressKey } from '../src/http/addressKey.js';

describe('addressKey', () => {
  it('counts IPv4 addresses one by one, also when mapped into IPv6', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('203.0.113.8')).not.toBe(addressKey('203.0.113.7'));
  });

  it('counts IPv6 addresses by their /64 network, however they are written', () => {
    const key = addressKey('2001:db8:0:1::5');
    expect(key).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:0DB8:0000:0001:ffff:1:2:3')).toBe(key);
    expect(addressKey('2001:db8:0:1:8000::1%eth0')).toBe(key);
    expect(addressKey('2001:db8:0:2::5')).not.toBe(key);
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});
