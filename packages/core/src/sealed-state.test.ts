import { describe, expect, it } from 'vitest';
import { sealNamespaces, type ValueSealer } from './sealed-state.js';
import { SqliteStateStore } from './state.js';

// A toy sealer for the test: reversible, and visibly not the plaintext.
const sealer: ValueSealer = {
  seal: (text) => Buffer.from(text).toString('base64').split('').reverse().join(''),
  open: (sealed) => Buffer.from(sealed.split('').reverse().join(''), 'base64').toString(),
};

describe('sealNamespaces', () => {
  it('seals objects of the chosen namespaces before they reach the store, and opens them on read', async () => {
    const raw = new SqliteStateStore(':memory:');
    const state = sealNamespaces(raw, sealer, ['live']);
    await state.putValues('live', [
      ['t:buf:1', { event: { text: 'call alice@example.com' } }],
      ['t:seen:E1', 1700000000],
    ]);
    await state.putValues('plain', [['k', { text: 'not sealed' }]]);
    expect(JSON.stringify(await raw.listValues('live'))).not.toContain('alice');
    expect(JSON.stringify(await raw.getValue('live', 't:seen:E1'))).not.toContain('1700000000');
    expect(await state.getValue('live', 't:buf:1')).toEqual({ event: { text: 'call alice@example.com' } });
    expect(await state.listValues('live', { prefix: 't:' })).toEqual([
      ['t:buf:1', { event: { text: 'call alice@example.com' } }],
      ['t:seen:E1', 1700000000],
    ]);
    expect(await raw.getValue('plain', 'k')).toEqual({ text: 'not sealed' });
  });

  it.each([{ event: 'clear' }, ['alice@example.com'], 'alice@example.com', 42])(
    'refuses to return an unsealed value (%j) found in a sealed namespace',
    async (value) => {
      const raw = new SqliteStateStore(':memory:');
      await raw.putValues('live', [['k', value]]);
      await expect(sealNamespaces(raw, sealer, ['live']).getValue('live', 'k')).rejects.toMatchObject({
        code: 'state_store_failed',
      });
    },
  );

  it('seals strings too', async () => {
    const raw = new SqliteStateStore(':memory:');
    await sealNamespaces(raw, sealer, ['live']).putValues('live', [['k', 'alice@example.com']]);
    expect(JSON.stringify(await raw.getValue('live', 'k'))).not.toContain('alice');
  });
});
