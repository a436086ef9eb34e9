import { describe, expect, it } from 'vitest';
import { copyText, doubleHex } from '../../src/db/pg-migrate.js';

describe('the canonical row text of crm migrate-to', () => {
  it('escapes text as PostgreSQL COPY TO writes it', () => {
    expect(copyText('ООО «Ромашка»')).toBe('ООО «Ромашка»');
    expect(copyText('a\tb\nc\rd\\e\bf\fg\vh')).toBe('a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh');
    expect(copyText('\\N')).toBe('\\\\N');
    expect(copyText('')).toBe('');
  });

  it('writes a double as the hex of its IEEE 754 bytes (encode(float8send(x), \'hex\'))', () => {
    expect(doubleHex(0.1)).toBe('3fb999999999999a');
    expect(doubleHex(1)).toBe('3ff0000000000000');
    expect(doubleHex(-0)).toBe('8000000000000000');
    expect(doubleHex(0.1 + 0.2)).not.toBe(doubleHex(0.3));
  });
});
