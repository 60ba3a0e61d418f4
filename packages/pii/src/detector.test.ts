import { describe, expect, it } from 'vitest';
import { createDetector, resolveOverlaps } from './detector.js';
import type { EntityType } from './entities.js';

/** Fake secrets are assembled at run time, so the source holds nothing a secret scanner would flag. */
const fake = (...parts: string[]) => parts.join('');
const STRIPE_KEY = fake('sk', '_live_abcdefghij1234567890ABCD');

const detector = createDetector({
  directory: { names: ['Maria Gonzalez', 'José Núñez'] },
  phoneRegions: ['GB', 'DE', 'FR', 'BR', 'JP'],
});

/** [type, value] pairs, the readable form of a detection. */
function found(text: string, d = detector): [EntityType, string][] {
  return d.detect(text).map((e) => [e.type, text.slice(e.start, e.end)]);
}

function types(text: string, d = detector): EntityType[] {
  return d.detect(text).map((e) => e.type);
}

describe('EMAIL_ADDRESS', () => {
  it('finds addresses with plus tags, subdomains and around punctuation', () => {
    expect(found('mail maria.g+slack@mail.example.co.uk, or (bob@acme.io).')).toEqual([
      ['EMAIL_ADDRESS', 'maria.g+slack@mail.example.co.uk'],
      ['EMAIL_ADDRESS', 'bob@acme.io'],
    ]);
  });

  it('ignores @mentions, trailing-dot locals and bare domains', () => {
    expect(types('ping @maria, see foo.@bar.com and example.com')).toEqual([]);
  });
});

describe('PHONE_NUMBER', () => {
  it('finds US national formats and international numbers', () => {
    expect(found('call (415) 555-2671, 415.555.2671 or +44 20 7946 0958')).toEqual([
      ['PHONE_NUMBER', '(415) 555-2671'],
      ['PHONE_NUMBER', '415.555.2671'],
      ['PHONE_NUMBER', '+44 20 7946 0958'],
    ]);
  });

  it('finds national formats of the configured extra regions', () => {
    expect(found('uk 020 7946 0958, de 030 901820, fr 06 12 34 56 78, br (11) 96123-4567, jp 090-1234-5678')).toEqual([
      ['PHONE_NUMBER', '020 7946 0958'],
      ['PHONE_NUMBER', '030 901820'],
      ['PHONE_NUMBER', '06 12 34 56 78'],
      ['PHONE_NUMBER', '(11) 96123-4567'],
      ['PHONE_NUMBER', '090-1234-5678'],
    ]);
  });

  it('does not read other regions national formats without the option', () => {
    expect(types('uk 020 7946 0958', createDetector())).toEqual([]);
  });

  it('honours defaultRegion', () => {
    expect(found('ruf 030 901820 an', createDetector({ defaultRegion: 'DE' }))).toEqual([
      ['PHONE_NUMBER', '030 901820'],
    ]);
  });

  it('accepts a bare digit run only with phone context', () => {
    expect(found('text me at 4155552671')).toEqual([['PHONE_NUMBER', '4155552671']]);
    expect(types('processed 4155552671 events')).toEqual([]);
    expect(types('call about order 4155552671')).toEqual([]);
  });

  it('splits a run holding several numbers', () => {
    expect(found('call 415-555-2671 650-555-1234 or 020 7946 0958 020 7946 0959')).toEqual([
      ['PHONE_NUMBER', '415-555-2671'],
      ['PHONE_NUMBER', '650-555-1234'],
      ['PHONE_NUMBER', '020 7946 0958'],
      ['PHONE_NUMBER', '020 7946 0959'],
    ]);
    expect(found('ext 2 415-555-2671')).toEqual([['PHONE_NUMBER', '415-555-2671']]);
  });

  it('rejects invalid ranges, dates, timestamps, ids and decimals', () => {
    // US only: with extra regions "(123) 456-7890" is a valid Brazilian landline (12) 3456-7890.
    expect(types('(123) 456-7890 and 555-555-5555', createDetector())).toEqual([]);
    expect(types('on 2024-01-15 and 01/15/2024 at ts 1700000000.000100')).toEqual([]);
    expect(types('JIRA-4155552671 #4155552671 v4155552671 3.14155552671')).toEqual([]);
  });
});

describe('CREDIT_CARD', () => {
  it('finds Luhn-valid numbers of known issuers, grouped or not', () => {
    expect(found('4111 1111 1111 1111, 4111-1111-1111-1111, 378282246310005')).toEqual([
      ['CREDIT_CARD', '4111 1111 1111 1111'],
      ['CREDIT_CARD', '4111-1111-1111-1111'],
      ['CREDIT_CARD', '378282246310005'],
    ]);
  });

  it('rejects Luhn failures, unknown issuers and mixed separators', () => {
    expect(types('4111111111111112 1234567812345670 4111 1111-1111 1111')).toEqual([]);
  });
});

describe('IBAN_CODE', () => {
  it('finds compact and grouped IBANs of several countries', () => {
    expect(found('DE89 3704 0044 0532 0130 00 / GB82WEST12345698765432 / FR14 2004 1010 0505 0001 3M02 606')).toEqual([
      ['IBAN_CODE', 'DE89 3704 0044 0532 0130 00'],
      ['IBAN_CODE', 'GB82WEST12345698765432'],
      ['IBAN_CODE', 'FR14 2004 1010 0505 0001 3M02 606'],
    ]);
  });

  it('rejects a wrong checksum or length', () => {
    expect(types('DE89 3704 0044 0532 0130 01 and DE89370400440532013')).toEqual([]);
  });
});

describe('US_SSN', () => {
  it('finds dashed SSNs and bare ones after an SSN keyword', () => {
    expect(found('ssn 123-45-6788; SSN: 234567890')).toEqual([
      ['US_SSN', '123-45-6788'],
      ['US_SSN', '234567890'],
    ]);
  });

  it('reports the advertising number 078-05-1120 as nothing, not as a phone', () => {
    expect(types('My SSN is 078-05-1120 lol')).toEqual([]);
  });

  it('rejects invalid areas, groups and serials, and bare nine digits without context', () => {
    expect(types('000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000 order 234567890')).toEqual([]);
    expect(types('SSN on file, see order #234567890')).toEqual([]);
  });
});

describe('IP_ADDRESS', () => {
  it('finds IPv4 and IPv6 addresses', () => {
    expect(found('from 10.0.0.1 and 2001:db8::1, fe80::1ff:fe23:4567:890a')).toEqual([
      ['IP_ADDRESS', '10.0.0.1'],
      ['IP_ADDRESS', '2001:db8::1'],
      ['IP_ADDRESS', 'fe80::1ff:fe23:4567:890a'],
    ]);
  });

  it('treats dotted quads after version words as versions', () => {
    expect(types('upgraded to 1.2.3.4, build 10.2.0.15, v1.2.3.4, 1.2.3.4.5, see section 4.2.1.3')).toEqual([]);
    expect(types('ssh to 1.2.3.4')).toEqual(['IP_ADDRESS']);
  });

  it('rejects invalid octets, times, MACs and emoji shortcodes', () => {
    expect(types('999.1.1.1 at 10:30:00, mac 00:1A:2B:3C:4D:5E :+1::tada: std::map')).toEqual([]);
  });
});

describe('URL', () => {
  it('finds scheme and www URLs without trailing punctuation', () => {
    expect(found('see https://example.com/a?b=1. and (www.acme.io/docs)')).toEqual([
      ['URL', 'https://example.com/a?b=1'],
      ['URL', 'www.acme.io/docs'],
    ]);
  });
});

describe('SECRET', () => {
  it.each([
    ['slack bot token', fake('xox', 'b-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx')],
    ['slack app token', fake('xa', 'pp-1-A0123456789-1234567890123-abcdef0123456789')],
    ['slack webhook', fake('https://hooks.sl', 'ack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX')],
    ['aws access key id', fake('AK', 'IAIOSFODNN7EXAMPLE')],
    ['aws session key id', fake('AS', 'IAIOSFODNN7EXAMPLE')],
    ['gcp api key', fake('AI', 'zaSyA-1234567890abcdefghijklmnopqrstu')],
    ['github pat', fake('gh', 'p_abcdefghijklmnopqrstuvwxyz0123456789')],
    ['github oauth', 'gho_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['github fine-grained pat', fake('github', `_pat_${'A'.repeat(22)}_${'b'.repeat(59)}`)],
    ['stripe live key', STRIPE_KEY],
    ['jwt', fake('ey', 'JhbGciOiJIUzI1NiJ9.', 'ey', 'JzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ')],
    ['password in url', 'postgres://svc:hunter2pass@db.internal.example.com/prod'],
  ])('finds a %s as one SECRET span', (_name, secret) => {
    expect(found(`oops: ${secret} rotating`)).toEqual([['SECRET', secret]]);
  });

  it('finds a PEM private key block, BEGIN to END', () => {
    const pem = fake('-----BE', 'GIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabcdef==\n-----END RSA PRIVATE KEY-----');
    expect(found(`key:\n${pem}\nthanks`)).toEqual([['SECRET', pem]]);
  });

  it('ignores placeholders and public key blocks', () => {
    expect(types('set SLACK_BOT_TOKEN=xoxb-your-bot-token, sk_test_abc, -----BEGIN PUBLIC KEY-----')).toEqual([]);
  });
});

describe('PERSON', () => {
  it('finds directory names case-insensitively, with or without accents', () => {
    expect(found('thanks maria gonzalez and Jose Nunez!')).toEqual([
      ['PERSON', 'maria gonzalez'],
      ['PERSON', 'Jose Nunez'],
    ]);
  });

  it('finds nothing without a directory', () => {
    expect(types('thanks Maria Gonzalez', createDetector())).toEqual([]);
  });
});

describe('Slack mrkdwn', () => {
  it('reports both addresses of a mailto link as separate spans', () => {
    const text = 'write to <mailto:a@b.com|a@b.com> now';
    expect(detector.detect(text)).toEqual([
      { type: 'EMAIL_ADDRESS', start: 17, end: 24, score: 0.95 },
      { type: 'EMAIL_ADDRESS', start: 25, end: 32, score: 0.95 },
    ]);
  });

  it('never reports mentions, channels or special commands', () => {
    expect(
      types(
        '<@U024BE7LH> <@U123|bob> <#C0123ABCD|general> <!here> <!subteam^S0123ABC|@eng> <!date^1392734382^{date}|Feb 18>',
      ),
    ).toEqual([]);
  });

  it('still scans labels for emails and phones', () => {
    expect(found('<@U024BE7LH|call +1 415 555 2671> <#C0123ABCD|bob@acme.io>')).toEqual([
      ['PHONE_NUMBER', '+1 415 555 2671'],
      ['EMAIL_ADDRESS', 'bob@acme.io'],
    ]);
  });

  it('reports a link target as URL and scans its label separately', () => {
    expect(found('<https://x.com/a|ask bob@acme.io> and <https://example.org/docs>')).toEqual([
      ['URL', 'https://x.com/a'],
      ['EMAIL_ADDRESS', 'bob@acme.io'],
      ['URL', 'https://example.org/docs'],
    ]);
  });

  it('reads tel: links like mailto: links', () => {
    expect(found('<tel:+14155552671|+1 415 555 2671>')).toEqual([
      ['PHONE_NUMBER', '+14155552671'],
      ['PHONE_NUMBER', '+1 415 555 2671'],
    ]);
  });

  it('reports a Slack webhook link as SECRET', () => {
    const hook = fake('https://hooks.sl', 'ack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX');
    expect(found(`<${hook}|hook>`)).toEqual([['SECRET', hook]]);
  });

  it('sees through _italic_, *bold* and ~strike~ markers', () => {
    expect(
      found('_maria@example.com_ *+1 415 555 2671* ~10.0.0.1~ _https://x.com/a_ _call (415) 555-2671 now_'),
    ).toEqual([
      ['EMAIL_ADDRESS', 'maria@example.com'],
      ['PHONE_NUMBER', '+1 415 555 2671'],
      ['IP_ADDRESS', '10.0.0.1'],
      ['URL', 'https://x.com/a'],
      ['PHONE_NUMBER', '(415) 555-2671'],
    ]);
    expect(found(`_maria_g@example.com_ and _${STRIPE_KEY}_`)).toEqual([
      ['EMAIL_ADDRESS', 'maria_g@example.com'],
      ['SECRET', STRIPE_KEY],
    ]);
    expect(found(`snake_case_name and ${STRIPE_KEY}`)).toEqual([['SECRET', STRIPE_KEY]]);
  });

  it('leaves Slack ids, timestamps, tickets, dates and plain numbers alone', () => {
    expect(
      types(
        'U024BE7LH C0123ABCD T0123ABCD B0123ABCD ts 1700000000.000100 JIRA-1234 2024-01-15 01/15/2024 42 1048576 :smile:',
      ),
    ).toEqual([]);
  });
});

describe('UTF-16 offsets', () => {
  it('counts surrogate pairs as two code units', () => {
    const text = '😀🎉👍🏽 mail a@b.com, ping 田中 Maria Gonzalez';
    const got = detector.detect(text);
    expect(got.map((e) => text.slice(e.start, e.end))).toEqual(['a@b.com', 'Maria Gonzalez']);
    expect(got[0]!.start).toBe('😀🎉👍🏽 mail '.length);
    expect(got[0]!.start).toBe(14); // 2 + 2 + 4 code units of emoji, then ' mail '
  });

  it('keeps offsets in strings with combining accents and CJK', () => {
    const text = 'Jose\u0301 dit: appelle +33 1 42 68 53 00 — 请联系 bob@acme.io';
    expect(found(text)).toEqual([
      ['PHONE_NUMBER', '+33 1 42 68 53 00'],
      ['EMAIL_ADDRESS', 'bob@acme.io'],
    ]);
  });
});

describe('overlaps', () => {
  it('keeps a URL over an email inside it', () => {
    expect(found('https://x.com/u/a@b.com')).toEqual([['URL', 'https://x.com/u/a@b.com']]);
  });

  it('makes a URL with credentials one SECRET, not a URL and an email', () => {
    expect(types('https://admin:s3cr3t@example.com/x')).toEqual(['SECRET']);
  });

  it('prefers the higher score, then the longer span', () => {
    const kept = resolveOverlaps([
      { type: 'PHONE_NUMBER', start: 0, end: 10, score: 0.75 },
      { type: 'CREDIT_CARD', start: 2, end: 18, score: 1 },
      { type: 'URL', start: 20, end: 30, score: 0.95 },
      { type: 'EMAIL_ADDRESS', start: 22, end: 28, score: 0.95 },
    ]);
    expect(kept.map((e) => e.type)).toEqual(['CREDIT_CARD', 'URL']);
  });

  it('returns sorted, non-overlapping spans', () => {
    const got = detector.detect('a@b.com 4111 1111 1111 1111 https://x.com/a@b.com 10.0.0.1 Maria Gonzalez');
    for (let i = 1; i < got.length; i++) expect(got[i]!.start).toBeGreaterThanOrEqual(got[i - 1]!.end);
    expect(got).toHaveLength(5);
  });
});

describe('pathological input', () => {
  // Slack allows 40,000 characters per message; none of these may backtrack catastrophically (the
  // suite's timeout would catch it) or report garbage.
  it.each([
    ['digits', '1'.repeat(40_000)],
    ['spaced digit pairs', '12 '.repeat(13_000)],
    ['dashed digits', '1-'.repeat(20_000)],
    ['at signs', 'a@'.repeat(20_000)],
    ['colons', '1:'.repeat(20_000)],
    ['dots', '1.'.repeat(20_000)],
    ['open brackets', '<'.repeat(20_000)],
    ['unterminated PEM', fake('-----BE', `GIN PRIVATE KEY-----${'a'.repeat(40_000)}`)],
    ['IBAN prefixes', 'DE89 '.repeat(8_000)],
  ])('%s', (_name, text) => {
    expect(detector.detect(text).filter((e) => e.type !== 'SECRET')).toEqual([]);
  });
});

describe('options', () => {
  it('reports only the requested entity types', () => {
    const emailsOnly = createDetector({ entities: ['EMAIL_ADDRESS'] });
    expect(types('a@b.com 10.0.0.1 https://x.com', emailsOnly)).toEqual(['EMAIL_ADDRESS']);
  });

  it('still finds a URL with credentials as SECRET when URL is disabled', () => {
    expect(types('https://u:p4ss@example.com', createDetector({ entities: ['SECRET'] }))).toEqual(['SECRET']);
  });

  it('drops entities under minScore', () => {
    expect(types('call (415) 555-2671 or a@b.com', createDetector({ minScore: 0.9 }))).toEqual(['EMAIL_ADDRESS']);
  });

  it('returns nothing for empty input', () => {
    expect(detector.detect('')).toEqual([]);
  });
});
