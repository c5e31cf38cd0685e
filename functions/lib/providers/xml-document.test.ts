// The strict XML reader: the tree it builds from what XML allows, and every fault it refuses
// with the line where the fault is, including what a DTD-based attack needs.
import { describe, expect, it } from 'vitest';
import { XmlDtdError, XmlSyntaxError, attributeOf, childOf, readXmlDocument } from './xml-document.ts';

function syntaxError(text: string): XmlSyntaxError {
  try {
    readXmlDocument(text);
  } catch (error) {
    expect(error).toBeInstanceOf(XmlSyntaxError);
    return error as XmlSyntaxError;
  }
  throw new Error('the document was read');
}

describe('what it reads', () => {
  it('builds elements with their attributes, children and text, in document order', () => {
    const root = readXmlDocument('<?xml version="1.0" encoding="UTF-8"?>\n<root id="7" kind=\'a\'>\n  <a>uno</a>\n  <b x="1"/>\n  <a>dos</a>\n</root>\n');
    expect(root.name).toBe('root');
    expect(root.attributes).toEqual([
      { name: 'id', value: '7' },
      { name: 'kind', value: 'a' },
    ]);
    expect(root.children.map((c) => c.name)).toEqual(['a', 'b', 'a']);
    expect(root.children.map((c) => c.text)).toEqual(['uno', '', 'dos']);
    expect(childOf(root, 'a')?.text).toBe('uno');
    expect(childOf(root, 'c')).toBeUndefined();
    expect(attributeOf(root.children[1] ?? root, 'x')).toBe('1');
    expect(attributeOf(root, 'missing')).toBeUndefined();
  });

  it("replaces XML's predefined entities and character references, in text and attributes", () => {
    const root = readXmlDocument('<r t="&quot;&lt;&#x41;&apos;">&amp;&gt;&#65;&#x20AC;&#x1F600;</r>');
    expect(root.text).toBe('&>A€😀');
    expect(attributeOf(root, 't')).toBe(`"<A'`);
  });

  it('keeps CDATA sections as text and skips comments and processing instructions', () => {
    const root = readXmlDocument('<!-- before --><?pi data?><r>a<!-- inside -->b<![CDATA[<c> & ]]]>d<?x y?></r><!-- after -->');
    expect(root.text).toBe('ab<c> & ]d');
    expect(root.children).toEqual([]);
  });

  it('reads line breaks as XML prescribes: CR LF as LF in text, literal breaks and tabs as spaces in attributes', () => {
    const root = readXmlDocument('<r a="x\r\ny\tz" b="&#10;">one\r\ntwo\rthree</r>');
    expect(root.text).toBe('one\ntwo\nthree');
    expect(attributeOf(root, 'a')).toBe('x y z');
    expect(attributeOf(root, 'b')).toBe('\n');
  });

  it('skips the byte-order mark a UTF-16 decoder leaves in the text', () => {
    expect(readXmlDocument('\ufeff<?xml version="1.0" encoding="UTF-16"?><r/>').name).toBe('r');
  });

  it('accepts names beyond ASCII and end tags with whitespace before ">"', () => {
    const root = readXmlDocument('<raíz><año >2026</año\n></raíz >');
    expect(childOf(root, 'año')?.text).toBe('2026');
  });

  it('reads 100,000 nested elements without running out of stack', () => {
    const depth = 100_000;
    let element = readXmlDocument(`${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`);
    let levels = 1;
    while (element.children[0]) {
      element = element.children[0];
      levels++;
    }
    expect(levels).toBe(depth);
    expect(element.text).toBe('x');
  });
});

describe('what it refuses, with the line of the fault', () => {
  const cases: [string, string, number, RegExp][] = [
    ['an end tag that closes another element', '<r>\n<a>\n</b>\n</r>', 3, /<\/b> does not close <a> \(opened at line 2\)/],
    ['a document cut off inside an element', '<r>\n<a>x</a>\n<b>', 3, /the document ends inside <b> \(opened at line 3\)/],
    ['a document cut off inside an end tag', '<r>\n<a>x</a', 2, /ends inside an end tag, with <a> \(opened at line 2\) still open/],
    ['a document cut off inside the name of an end tag', '<r>\n<ab>x</a', 2, /ends inside an end tag, with <ab> \(opened at line 2\) still open/],
    ['an end tag not closed with ">"', '<r>\n<a>x</a b></r>', 2, /the end tag <\/a> is not closed with ">"/],
    ['a document cut off inside a start tag', '<r>\n<a x="1"', 2, /ends inside the start tag <a>/],
    ['an end tag with nothing open', '<r/>\n</r>', 2, /an end tag with no element open/],
    ['no root element', '<?xml version="1.0"?>\n<!-- only a comment -->\n', 3, /no root element/],
    ['a second root element', '<r/>\n<s/>', 2, /a second root element <s>/],
    ['text before the root element', 'hola\n<r/>', 1, /text before the root element/],
    ['text after the root element', '<r/>\n\nadios', 3, /text after the root element/],
    ['the same attribute twice', '<r>\n<a x="1" x="2"/></r>', 2, /the attribute x appears twice in <a>/],
    ['an unquoted attribute value', '<r>\n\n<a x=1/></r>', 3, /the value of x in <a> is not quoted/],
    ['an attribute without a value', '<r a></r>', 1, /the attribute a of <r> has no value/],
    ['attributes with no whitespace between them', '<r a="1"b="2"/>', 1, /no whitespace before the attribute b of <r>/],
    ['"<" inside an attribute value', '<r>\n<a x="<"/></r>', 2, /"<" inside an attribute value/],
    ['an entity that is not predefined', '<r>\n\n&nbsp;</r>', 3, /&nbsp; is not one of XML's predefined entities/],
    ['a bare ampersand', '<r>fish & chips</r>', 1, /"&" that does not start a reference/],
    ['a character reference to a character XML forbids', '<r>&#0;</r>', 1, /&#0; is not a character XML allows/],
    ['a control character', '<r>\n\u0001</r>', 2, /character U\+0001 is not allowed/],
    ['"--" inside a comment', '<r>\n<!-- a -- b --></r>', 2, /"--" inside a comment/],
    ['a comment that never ends', '<r><!-- a </r>', 1, /a comment is not closed/],
    ['"]]>" in character data', '<r>\na ]]> b</r>', 2, /"]]>" in character data/],
    ['a CDATA section outside the root element', '<![CDATA[x]]><r/>', 1, /a CDATA section outside the root element/],
    ['an XML declaration that is not at the start', '<r/>\n<?xml version="1.0"?>', 2, /an XML declaration anywhere but at the very start/],
    ['a malformed XML declaration', '<?xml encoding="UTF-8"?><r/>', 1, /the XML declaration is not/],
    ['"<" followed by no name', '<r>\n< a/></r>', 2, /"<" not followed by a name/],
    ['"<!" that is not markup XML has', '<r><!ELEMENT r ANY></r>', 1, /"<!" that opens neither a comment nor a CDATA section/],
  ];

  it.each(cases)('refuses %s', (_what, text, line, reason) => {
    const error = syntaxError(text);
    expect(error.line).toBe(line);
    expect(error.reason).toMatch(reason);
    expect(error.message).toBe(`line ${line}: ${error.reason}`);
  });

  it.each([
    ['a DOCTYPE', '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e "x">]>\n<r>&e;</r>', 2],
    ['a lowercase doctype', '<!doctype r>\n<r/>', 1],
    ['an entity declaration without a DOCTYPE', '<r>\n\n<!ENTITY e SYSTEM "file:///etc/passwd"></r>', 3],
  ])('refuses %s as a DTD, never reading it', (_what, text, line) => {
    let caught: unknown;
    try {
      readXmlDocument(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(XmlDtdError);
    expect((caught as XmlDtdError).line).toBe(line);
  });
});
