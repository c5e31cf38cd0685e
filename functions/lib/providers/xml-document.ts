// A strict, single-pass reader for the small XML documents forecast providers send. It checks
// well-formedness while it builds the element tree, so a malformed or truncated document is
// refused with the line of the fault and no separate validating pass is needed.
// It must never read a DTD: a DOCTYPE or entity declaration is refused where it appears, and
// the only references it replaces are XML's five predefined entities and character references,
// so nothing expands and nothing outside the document is ever fetched. Namespaces are not
// interpreted (a prefixed name is just a name); no provider needs them. No recursion: nesting
// depth costs heap, never the call stack.

import { attributeValue, characterData, isNameChar, isWhitespace, lineAt, nameEnd, newlines, type Fail } from './xml-text.ts';

export interface XmlAttribute {
  readonly name: string;
  /** References replaced, whitespace normalized as XML prescribes for CDATA attributes. */
  readonly value: string;
}

export interface XmlElement {
  readonly name: string;
  readonly attributes: readonly XmlAttribute[];
  readonly children: XmlElement[];
  /** Character data directly inside the element (CDATA sections included), untrimmed. */
  text: string;
}

/** The document is not well-formed XML; `line` is where the fault is (1-based). */
export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
  readonly line: number;
  readonly reason: string;
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.line = line;
    this.reason = reason;
  }
}

/** The document has a DOCTYPE or an entity declaration, which this reader never reads. */
export class XmlDtdError extends Error {
  override readonly name = 'XmlDtdError';
  readonly line: number;
  constructor(line: number) {
    super(`line ${line}: DTDs and entity declarations are not accepted`);
    this.line = line;
  }
}

const noAttributes: readonly XmlAttribute[] = Object.freeze([]);
// Characters XML 1.0 never allows, even escaped as a reference (surrogates cannot occur
// unpaired here: the strict decoder refuses them before the text exists). Matching control
// characters is the point of this pattern.
// eslint-disable-next-line no-control-regex
const forbiddenCharacter = /[\0-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/;
const declaration = /<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1(?:\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*\?>/y;
const dtdMarkup = /<!(?:DOCTYPE|ENTITY)/iy;

/** Read `text` (already decoded) into its root element, or throw XmlSyntaxError / XmlDtdError. */
export function readXmlDocument(text: string): XmlElement {
  const length = text.length;
  const fail: Fail = (at, reason) => {
    throw new XmlSyntaxError(lineAt(text, at), reason);
  };
  const bad = forbiddenCharacter.exec(text);
  if (bad) fail(bad.index, `character U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`);

  // A UTF-16 decoder keeps the byte-order mark as U+FEFF: it is not part of the document.
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.startsWith('<?xml', pos) && isWhitespace(text.charCodeAt(pos + 5))) {
    declaration.lastIndex = pos;
    if (!declaration.test(text)) fail(pos, 'the XML declaration is not <?xml version="1.x" [encoding="…"] [standalone="yes|no"]?>');
    pos = declaration.lastIndex;
  }

  let root: XmlElement | null = null;
  let current: XmlElement | null = null;
  const open: XmlElement[] = [];
  const openedAt: number[] = [];

  while (pos < length) {
    const lt = text.indexOf('<', pos);
    const end = lt < 0 ? length : lt;
    if (end > pos) {
      if (current === null) {
        for (let i = pos; i < end; i++) if (!isWhitespace(text.charCodeAt(i))) fail(i, root === null ? 'text before the root element' : 'text after the root element');
      } else {
        current.text += characterData(text, pos, end, fail);
      }
    }
    if (lt < 0) break;
    const next = text.charCodeAt(lt + 1);

    if (next === 0x2f /* / */) {
      if (current === null) fail(lt, 'an end tag with no element open');
      const element = current as XmlElement;
      let p = lt + 2 + element.name.length;
      const opened = () => `<${element.name}> (opened at line ${lineAt(text, openedAt[openedAt.length - 1] ?? 0)})`;
      if (!text.startsWith(element.name, lt + 2) || isNameChar(text.charCodeAt(p))) {
        const foundEnd = nameEnd(text, lt + 2);
        if (foundEnd >= length) fail(length, `the document ends inside an end tag, with ${opened()} still open`);
        fail(lt, `</${text.slice(lt + 2, foundEnd)}> does not close ${opened()}`);
      }
      while (isWhitespace(text.charCodeAt(p))) p++;
      if (p >= length) fail(length, `the document ends inside an end tag, with ${opened()} still open`);
      if (text.charCodeAt(p) !== 0x3e /* > */) fail(p, `the end tag </${element.name}> is not closed with ">"`);
      open.pop();
      openedAt.pop();
      current = open[open.length - 1] ?? null;
      pos = p + 1;
    } else if (next === 0x21 /* ! */) {
      if (text.startsWith('<!--', lt)) {
        const close = text.indexOf('-->', lt + 4);
        if (close < 0) fail(lt, 'a comment is not closed with "-->"');
        const dashes = text.indexOf('--', lt + 4);
        if (dashes < close) fail(dashes, '"--" inside a comment');
        pos = close + 3;
      } else if (text.startsWith('<![CDATA[', lt)) {
        if (current === null) fail(lt, 'a CDATA section outside the root element');
        const close = text.indexOf(']]>', lt + 9);
        if (close < 0) fail(lt, 'a CDATA section is not closed with "]]>"');
        (current as XmlElement).text += newlines(text.slice(lt + 9, close));
        pos = close + 3;
      } else {
        dtdMarkup.lastIndex = lt;
        if (dtdMarkup.test(text)) throw new XmlDtdError(lineAt(text, lt));
        fail(lt, '"<!" that opens neither a comment nor a CDATA section');
      }
    } else if (next === 0x3f /* ? */) {
      const targetEnd = nameEnd(text, lt + 2);
      if (targetEnd === lt + 2) fail(lt, 'a processing instruction without a target');
      if (text.slice(lt + 2, targetEnd).toLowerCase() === 'xml') fail(lt, 'an XML declaration anywhere but at the very start');
      const close = text.indexOf('?>', targetEnd);
      if (close < 0) fail(lt, 'a processing instruction is not closed with "?>"');
      if (close !== targetEnd && !isWhitespace(text.charCodeAt(targetEnd))) fail(targetEnd, 'a processing instruction target not followed by whitespace');
      pos = close + 2;
    } else {
      const start = lt + 1;
      const afterName = nameEnd(text, start);
      if (afterName === start) fail(lt, `"<" not followed by a name`);
      const name = text.slice(start, afterName);
      if (current === null && root !== null) fail(lt, `a second root element <${name}>`);
      let attributes = noAttributes as XmlAttribute[];
      let p = afterName;
      let empty = false;
      for (;;) {
        const before = p;
        while (isWhitespace(text.charCodeAt(p))) p++;
        const c = text.charCodeAt(p);
        if (c === 0x3e /* > */) {
          p++;
          break;
        }
        if (c === 0x2f /* / */ && text.charCodeAt(p + 1) === 0x3e) {
          empty = true;
          p += 2;
          break;
        }
        if (p >= length) fail(length, `the document ends inside the start tag <${name}>`);
        const attrEnd = nameEnd(text, p);
        if (attrEnd === p) fail(p, `"${text[p]}" in the start tag <${name}>`);
        if (p === before) fail(p, `no whitespace before the attribute ${text.slice(p, attrEnd)} of <${name}>`);
        const attrName = text.slice(p, attrEnd);
        p = attrEnd;
        while (isWhitespace(text.charCodeAt(p))) p++;
        if (text.charCodeAt(p) !== 0x3d /* = */) fail(p, `the attribute ${attrName} of <${name}> has no value`);
        p++;
        while (isWhitespace(text.charCodeAt(p))) p++;
        const quote = text.charCodeAt(p);
        if (quote !== 0x22 && quote !== 0x27) fail(p, `the value of ${attrName} in <${name}> is not quoted`);
        const close = text.indexOf(quote === 0x22 ? '"' : "'", p + 1);
        if (close < 0) fail(p, `the value of ${attrName} in <${name}> is not closed`);
        const value = attributeValue(text, p + 1, close, fail);
        if (attributes === noAttributes) attributes = [];
        else if (attributes.some((a) => a.name === attrName)) fail(before, `the attribute ${attrName} appears twice in <${name}>`);
        attributes.push({ name: attrName, value });
        p = close + 1;
      }
      const element: XmlElement = { name, attributes, children: [], text: '' };
      if (current === null) root = element;
      else current.children.push(element);
      if (!empty) {
        open.push(element);
        openedAt.push(lt);
        current = element;
      }
      pos = p;
    }
  }

  if (current !== null) {
    fail(length, `the document ends inside <${current.name}> (opened at line ${lineAt(text, openedAt[openedAt.length - 1] ?? 0)})`);
  }
  if (root === null) fail(length, 'no root element');
  return root as XmlElement;
}

/** The value of the first attribute named `name`, or undefined. */
export function attributeOf(element: XmlElement, name: string): string | undefined {
  for (const attribute of element.attributes) if (attribute.name === name) return attribute.value;
  return undefined;
}

/** The first child element named `name`, or undefined. */
export function childOf(element: XmlElement, name: string): XmlElement | undefined {
  for (const child of element.children) if (child.name === name) return child;
  return undefined;
}
