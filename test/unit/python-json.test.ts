/**
 * Python-compatible rendering (src/domain/python-json.ts). Expected strings were produced by
 * CPython 3 `json.dumps` / `repr` / `str` on the same values.
 */
import { compareCodePoints, pythonJsonDumps, pythonJsonFileText, pythonStr, truncateCodePoints } from '../../src/domain/python-json';

const value = { b: [1, 2.5, 'é😀\u007f\n'], a: { y: null, x: true }, '\uff01': 0, '😀': 1 };

describe('pythonJsonDumps', () => {
  it('sort_keys + compact separators + ensure_ascii (the intent-hash form)', () => {
    expect(pythonJsonDumps(value, { sortKeys: true, separators: [',', ':'] })).toBe(
      '{"a":{"x":true,"y":null},"b":[1,2.5,"\\u00e9\\ud83d\\ude00\\u007f\\n"],"\\uff01":0,"\\ud83d\\ude00":1}',
    );
  });
  it('indent=2 with ensure_ascii=False keeps non-ASCII and key order', () => {
    expect(pythonJsonDumps(value, { indent: 2, ensureAscii: false })).toBe(
      '{\n  "b": [\n    1,\n    2.5,\n    "é😀\u007f\\n"\n  ],\n  "a": {\n    "y": null,\n    "x": true\n  },\n  "\uff01": 0,\n  "😀": 1\n}',
    );
  });
  it("Python's default separators are ', ' and ': ' on one line", () => {
    expect(pythonJsonDumps(value)).toBe('{"b": [1, 2.5, "\\u00e9\\ud83d\\ude00\\u007f\\n"], "a": {"y": null, "x": true}, "\\uff01": 0, "\\ud83d\\ude00": 1}');
  });
  it('renders floats as Python repr', () => {
    const floats = [1e-5, 0.0001, 1.5e-7, 123.456, 5e-324, -2.5, 0.1, 1e15 + 0.5, 1e-4 * 3];
    expect(floats.map((f) => pythonJsonDumps(f))).toEqual(['1e-05', '0.0001', '1.5e-07', '123.456', '5e-324', '-2.5', '0.1', '1000000000000000.5', '0.00030000000000000003']);
  });
  it('empty containers stay compact even with indent, and files end with a newline', () => {
    expect(pythonJsonFileText({ items: {}, list: [] })).toBe('{\n  "items": {},\n  "list": []\n}\n');
  });
});

describe('Python string semantics', () => {
  it('sorts by code point, not by UTF-16 unit', () => {
    expect(['😀', '\uff01'].sort(compareCodePoints)).toEqual(['\uff01', '😀']);
    expect(['😀', '\uff01'].sort()).toEqual(['😀', '\uff01']);
  });
  it('truncates by code point', () => {
    expect(truncateCodePoints('😀😀😀', 2)).toBe('😀😀');
    expect(truncateCodePoints('abc', 5)).toBe('abc');
  });
  it('str() of JSON values', () => {
    expect(pythonStr('plain')).toBe('plain');
    expect(pythonStr(5)).toBe('5');
    expect(pythonStr(true)).toBe('True');
    expect(pythonStr(null)).toBe('None');
    expect(pythonStr({ k: [null, true, 1.5, "it's", 'say "hi"', 'a\\b', '\u0000\u2028é😀'] })).toBe(`{'k': [None, True, 1.5, "it's", 'say "hi"', 'a\\\\b', '\\x00\\u2028é😀']}`);
  });
});
