import { describe, expect, it } from 'vitest';
import { cardIssuerValid, ibanMod97Valid, ibanValid, ipv4Valid, ipv6Valid, luhnValid, ssnValid } from './validators.js';

describe('luhnValid', () => {
  it('accepts test card numbers and rejects a one-digit change', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111 1111 1111 1111')).toBe(true);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('41111x1111111111')).toBe(false);
    expect(luhnValid('')).toBe(false);
  });
});

describe('cardIssuerValid', () => {
  it('requires a known issuer prefix with its length', () => {
    expect(cardIssuerValid('4111111111111111')).toBe(true);
    expect(cardIssuerValid('378282246310005')).toBe(true);
    expect(cardIssuerValid('3782822463100050')).toBe(false); // Amex is 15 digits
    expect(cardIssuerValid('5555555555554444')).toBe(true);
    expect(cardIssuerValid('1234567812345670')).toBe(false); // passes Luhn, no issuer starts with 1
  });
});

describe('IBAN', () => {
  it('checks mod 97 and the per-country length', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('FR1420041010050500013M02606')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false); // checksum
    expect(ibanMod97Valid('DE8937040044053201300')).toBe(false);
    expect(ibanValid('DE8937040044053201300')).toBe(false); // DE is 22 long
    expect(ibanValid('XX89370400440532013000')).toBe(false); // no such country
  });
});

describe('ssnValid', () => {
  it('rejects area 000, 666 and 9xx, group 00 and serial 0000', () => {
    expect(ssnValid('123', '45', '6788')).toBe(true);
    expect(ssnValid('000', '45', '6788')).toBe(false);
    expect(ssnValid('666', '45', '6788')).toBe(false);
    expect(ssnValid('912', '45', '6788')).toBe(false);
    expect(ssnValid('123', '00', '6788')).toBe(false);
    expect(ssnValid('123', '45', '0000')).toBe(false);
  });
});

describe('IP validators', () => {
  it('validates dotted quads', () => {
    expect(ipv4Valid('192.168.1.10')).toBe(true);
    expect(ipv4Valid('255.255.255.255')).toBe(true);
    expect(ipv4Valid('256.1.1.1')).toBe(false);
    expect(ipv4Valid('01.2.3.4')).toBe(false);
    expect(ipv4Valid('1.2.3')).toBe(false);
  });

  it('validates IPv6 text forms', () => {
    expect(ipv6Valid('2001:db8::1')).toBe(true);
    expect(ipv6Valid('2001:0db8:85a3:0000:0000:8a2e:0370:7334')).toBe(true);
    expect(ipv6Valid('::ffff:192.0.2.1')).toBe(true);
    expect(ipv6Valid('fe80::1ff:fe23:4567:890a')).toBe(true);
    expect(ipv6Valid('2001:db8::1::2')).toBe(false);
    expect(ipv6Valid('10:30:00')).toBe(false);
    expect(ipv6Valid('2001:db8:g::1')).toBe(false);
    expect(ipv6Valid('1:2:3:4:5:6:7:8:9')).toBe(false);
  });
});
