// How XML bytes become text: a byte-order mark first, then the declared encoding, else UTF-8;
// never a silent replacement character.
import { describe, expect, it } from 'vitest';
import { XmlDecodingError, decodeXml } from './xml-decoding.ts';

const declared = (encoding: string, body: string) => `<?xml version="1.0" encoding="${encoding}"?><r>${body}</r>`;

function failure(bytes: Uint8Array): XmlDecodingError {
  try {
    decodeXml(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(XmlDecodingError);
    return error as XmlDecodingError;
  }
  throw new Error('the bytes were decoded');
}

describe('decodeXml', () => {
  it('reads ISO-8859-15 as declared: 0xA4 is €, 0xE1 is á', () => {
    const bytes = new Uint8Array([...Buffer.from(declared('ISO-8859-15', 'X'), 'latin1')]);
    bytes[bytes.indexOf(0x58)] = 0xa4;
    expect(decodeXml(bytes)).toBe(declared('ISO-8859-15', '€'));
    expect(decodeXml(new Uint8Array(Buffer.from(declared('iso-8859-15', 'Málaga'), 'latin1')))).toContain('Málaga');
  });

  it('reads UTF-8 when nothing is declared', () => {
    expect(decodeXml(new Uint8Array(Buffer.from('<r>Cádiz €</r>', 'utf8')))).toBe('<r>Cádiz €</r>');
  });

  it('strips a UTF-8 byte-order mark and ignores the declaration after it', () => {
    const text = declared('ISO-8859-15', 'Ávila');
    expect(decodeXml(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(text, 'utf8')]))).toBe(text);
  });

  it('reads UTF-16 in both byte orders from the byte-order mark', () => {
    const text = declared('UTF-16', 'Jaén');
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    expect(decodeXml(new Uint8Array([0xff, 0xfe, ...le]))).toContain('<r>Jaén</r>');
    expect(decodeXml(new Uint8Array([0xfe, 0xff, ...be]))).toContain('<r>Jaén</r>');
  });

  it('refuses bytes that are not valid in the declared UTF-8', () => {
    expect(failure(new Uint8Array(Buffer.from(declared('UTF-8', 'Almería'), 'latin1'))).message).toBe('bytes are not valid utf-8');
  });

  it('refuses undeclared invalid UTF-8 instead of replacing it', () => {
    expect(failure(new Uint8Array([0x3c, 0x72, 0x3e, 0xff, 0x3c, 0x2f, 0x72, 0x3e])).message).toBe('bytes are not valid utf-8');
  });

  it.each(['x-unknown-9', 'iso-2022-kr', 'unicode'])('refuses the encoding label %s', (label) => {
    expect(failure(new Uint8Array(Buffer.from(declared(label, 'a'), 'latin1'))).message).toBe(`unsupported encoding "${label}" in the XML declaration`);
  });
});
