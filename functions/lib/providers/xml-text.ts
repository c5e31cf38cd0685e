// The lexical rules of XML 1.0 that the document reader (xml-document.ts) applies: character data
// and attribute values with their references replaced (only the five predefined entities and
// character references: no DTD is ever read), end-of-line handling, names, whitespace and the
// characters XML allows. Each takes the document text and offsets, and reports a fault through
// `fail` with the offset, so the reader can name the line.

/** Throws the document's syntax error at an offset. */
export type Fail = (at: number, reason: string) => never;

const characterReference = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/;

export function characterData(text: string, from: number, to: number, fail: Fail): string {
  const raw = text.slice(from, to);
  const cdataEnd = raw.indexOf(']]>');
  if (cdataEnd >= 0) fail(from + cdataEnd, '"]]>" in character data');
  return references(newlines(raw), from, fail);
}

export function attributeValue(text: string, from: number, to: number, fail: Fail): string {
  const raw = text.slice(from, to);
  const lt = raw.indexOf('<');
  if (lt >= 0) fail(from + lt, '"<" inside an attribute value');
  // Literal line breaks and tabs become spaces; ones written as references are kept.
  const normalized = /[\t\n\r]/.test(raw) ? raw.replace(/\r\n|[\t\n\r]/g, ' ') : raw;
  return references(normalized, from, fail);
}

/** XML's end-of-line handling: CR LF and a lone CR both read as LF. */
export function newlines(raw: string): string {
  return raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
}

/**
 * Replace the references in `raw` (which starts at `offset` of the document, for error lines). Only
 * &lt; &gt; &amp; &apos; &quot; and character references exist without a DTD.
 */
function references(raw: string, offset: number, fail: Fail): string {
  let amp = raw.indexOf('&');
  if (amp < 0) return raw;
  let out = '';
  let last = 0;
  while (amp >= 0) {
    const semi = raw.indexOf(';', amp + 1);
    const ref = semi < 0 ? '' : raw.slice(amp + 1, semi);
    let replacement: string;
    switch (ref) {
      case 'lt':
        replacement = '<';
        break;
      case 'gt':
        replacement = '>';
        break;
      case 'amp':
        replacement = '&';
        break;
      case 'apos':
        replacement = "'";
        break;
      case 'quot':
        replacement = '"';
        break;
      default: {
        const m = characterReference.exec(ref);
        if (m) {
          const code = m[1] === undefined ? Number(m[2]) : parseInt(m[1], 16);
          if (!isXmlChar(code)) fail(offset + amp, `&${ref}; is not a character XML allows`);
          replacement = String.fromCodePoint(code);
        } else if (ref !== '' && nameEnd(ref, 0) === ref.length) {
          fail(offset + amp, `&${ref}; is not one of XML's predefined entities, and DTDs are not read`);
        } else {
          fail(offset + amp, '"&" that does not start a reference (write &amp;)');
        }
      }
    }
    out += raw.slice(last, amp) + (replacement as string);
    last = semi + 1;
    amp = raw.indexOf('&', last);
  }
  return out + raw.slice(last);
}

export function lineAt(text: string, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) line++;
  }
  return line;
}

export function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Index just past the XML Name starting at `from`; `from` itself when none starts there. */
export function nameEnd(text: string, from: number): number {
  if (!isNameStart(text.charCodeAt(from))) return from;
  let i = from + 1;
  while (isNameChar(text.charCodeAt(i))) i++;
  return i;
}

function isNameStart(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    (c >= 0x200c && c <= 0x200d) ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    // A surrogate pair here is a character from U+10000 up, which names may hold.
    (c >= 0xd800 && c <= 0xdfff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd)
  );
}

export function isNameChar(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x3a || c === 0x2d || c === 0x2e;
  return c === 0xb7 || (c >= 0x300 && c <= 0x36f) || (c >= 0x203f && c <= 0x2040) || isNameStart(c);
}

function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}
