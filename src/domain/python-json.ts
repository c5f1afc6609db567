/**
 * Text the way the old runner's Python produced it, where the bytes are observable: `json.dumps` (the
 * intent hash, files, the worker prompt), `str()` of a value (worker result urls) and `s[:n]`
 * (truncation counts code points, not UTF-16 units). Pure: workflows may import it.
 *
 * Limits inherited from JSON.parse input: a float written with an integral value (`1.0`, `1e5`)
 * arrives as a JS integer and renders as Python's int would; integer-like object keys come first.
 */

export interface PythonJsonOptions {
  /** `sort_keys`: recursive, by code point. */
  sortKeys?: boolean;
  /** `ensure_ascii` (Python's default true): everything outside space..~ becomes \uXXXX. */
  ensureAscii?: boolean;
  /** `indent`; null = one line. */
  indent?: number | null;
  /** `separators` (item, key); Python's defaults depend on indent. */
  separators?: readonly [string, string];
}

export function pythonJsonDumps(value: unknown, options: PythonJsonOptions = {}): string {
  const indent = options.indent ?? null;
  const [itemSeparator, keySeparator] = options.separators ?? (indent === null ? [', ', ': '] : [',', ': ']);
  const ensureAscii = options.ensureAscii ?? true;

  const wrap = (open: string, close: string, parts: string[], level: number): string => {
    if (indent === null) return `${open}${parts.join(itemSeparator)}${close}`;
    const inner = `\n${' '.repeat(indent * (level + 1))}`;
    return `${open}${inner}${parts.join(`${itemSeparator}${inner}`)}\n${' '.repeat(indent * level)}${close}`;
  };

  const encode = (item: unknown, level: number): string => {
    if (item === null || item === undefined) return 'null';
    if (typeof item === 'boolean') return item ? 'true' : 'false';
    if (typeof item === 'number') return jsonNumber(item);
    if (typeof item === 'string') return jsonString(item, ensureAscii);
    if (Array.isArray(item)) {
      return item.length
        ? wrap(
            '[',
            ']',
            item.map((entry) => encode(entry, level + 1)),
            level,
          )
        : '[]';
    }
    if (typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>).filter(([, entry]) => entry !== undefined);
      if (options.sortKeys) entries.sort(([a], [b]) => compareCodePoints(a, b));
      const parts = entries.map(([key, entry]) => `${jsonString(key, ensureAscii)}${keySeparator}${encode(entry, level + 1)}`);
      return parts.length ? wrap('{', '}', parts, level) : '{}';
    }
    throw new TypeError(`Object of type ${typeof item} is not JSON serializable`);
  };

  return encode(value, 0);
}

/** A JSON file as the old runner wrote state, plan and regen files: indent 2, ASCII only, trailing newline. */
export function pythonJsonFileText(value: unknown): string {
  return `${pythonJsonDumps(value, { indent: 2 })}\n`;
}

/** Python's string ordering (by code point); JS's default sort compares UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i += 1;
  }
  return a.length - b.length;
}

/** Python's `text[:max]`. */
export function truncateCodePoints(text: string, max: number): string {
  if (text.length <= max) return text;
  return Array.from(text).slice(0, max).join('');
}

/** Python's `str(value)` for a JSON value. */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonNumberStr(value);
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([key, entry]) => `${pythonStringRepr(key)}: ${pythonRepr(entry)}`)
      .join(', ')}}`;
  }
  return String(value);
}

function jsonNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return pythonNumberStr(value);
}

function pythonNumberStr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Number.isInteger(value)) return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
  return pythonFloatRepr(value);
}

/**
 * repr(float): the shortest round-trip digits (as JS), but fixed notation only for decimal
 * exponents -4..15 and exponents written with a sign and at least two digits (1e-05, 1.5e+16).
 */
function pythonFloatRepr(value: number): string {
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  const sign = value < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const significand = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${significand}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const integerPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  return `${sign}${integerPart}.${digits.slice(exponent + 1) || '0'}`;
}

const SHORT_JSON_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function jsonString(text: string, ensureAscii: boolean): string {
  let out = '"';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    const code = text.charCodeAt(i);
    const short = SHORT_JSON_ESCAPES[ch];
    if (short) out += short;
    // Code units, so astral characters come out as surrogate pairs, as Python writes them.
    else if (code < 0x20 || (ensureAscii && code > 0x7e)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Python's "not printable": categories C* and Z* (the ASCII space is handled before). */
const NOT_PRINTABLE = /^[\p{C}\p{Z}]$/u;

function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x7f || !NOT_PRINTABLE.test(ch)) out += ch;
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}${quote}`;
}
