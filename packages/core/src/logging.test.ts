import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logging.js';

describe('createLogger', () => {
  it('writes JSON lines and censors content and secret fields at any depth', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination });
    logger.info(
      {
        channel: 'C1',
        text: 'call 555-0100',
        nested: { email: 'a@b.example', deeper: { token: ['xox', 'b-1'].join('') } },
      },
      'hello',
    );
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ msg: 'hello', channel: 'C1', text: '[redacted]' });
    expect(lines[0]).not.toMatch(/555-0100|a@b\.example|xoxb-1/);
  });
});
