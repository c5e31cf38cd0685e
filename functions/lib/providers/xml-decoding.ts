// Turns the bytes of an XML document into text the way an XML processor must: a byte-order
// mark wins, then the encoding in the XML declaration, else UTF-8. Never guesses, never lets a
// byte decode silently into a replacement character.

const declarationPattern = /^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/;

export class XmlDecodingError extends Error {
  override readonly name = 'XmlDecodingError';
}

export function decodeXml(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return strictDecode(bytes.subarray(3), 'utf-8');
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe)) {
    return strictDecode(bytes, bytes[0] === 0xfe ? 'utf-16be' : 'utf-16le');
  }
  // The declaration is ASCII in every encoding this reads, so a byte-per-char view finds it.
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const declared = declarationPattern.exec(head)?.[1];
  return strictDecode(bytes, declared ?? 'utf-8');
}

function strictDecode(bytes: Uint8Array, label: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
  } catch {
    throw new XmlDecodingError(`unsupported encoding "${label}" in the XML declaration`);
  }
  if (decoder.encoding.startsWith('utf-16') && !label.toLowerCase().startsWith('utf-16')) {
    // WHATWG maps some labels onto UTF-16; an XML declaration read as ASCII cannot be one.
    throw new XmlDecodingError(`unsupported encoding "${label}" in the XML declaration`);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new XmlDecodingError(`bytes are not valid ${decoder.encoding}`);
  }
}
