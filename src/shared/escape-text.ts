/**
 * Text an agent or a repository wrote (a request's reason, a Dockerfile, a file name) is shown to
 * the operator, who decides on it. Control characters could rewrite the terminal (escape
 * sequences), and bidirectional overrides or invisible characters make text read differently from
 * what it is (a "Trojan Source" line). Every surface (CLI, UI) shows such characters escaped, as
 * `\x1b` or `\u202e`, with this one function. Pure.
 */

/** DEL, C1 controls, bidi controls, zero-width and invisible formatting, line separators (as regular-expression escapes). */
const UNSAFE_ABOVE_C0 = String.raw`\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb`;
/** Tag characters (invisible), as surrogate pairs. */
const TAGS = String.raw`\udb40[\udc00-\udc7f]`;
/** C0 controls and everything above. */
const UNSAFE = new RegExp(String.raw`[\u0000-\u001f${UNSAFE_ABOVE_C0}]|${TAGS}`, 'g');
/**
 * The same without C0 controls, for JSON text: JSON.stringify escapes those itself, and every line
 * feed of its indentation would otherwise be a match (a listing of thousands of bottles has tens of
 * thousands) that is put back unchanged.
 */
const UNSAFE_IN_JSON = new RegExp(`[${UNSAFE_ABOVE_C0}]|${TAGS}`, 'g');

function escapeOne(char: string): string {
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === '\t') return '\\t';
  const code = char.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export interface EscapeOptions {
  /** Keep line feeds and tabs as they are (a Dockerfile, a multi-line reason); default true. */
  multiline?: boolean;
}

/** The text with every unsafe character shown as an escape; safe text comes back unchanged. */
export function escapeControl(text: string, options: EscapeOptions = {}): string {
  const multiline = options.multiline ?? true;
  return text.replace(UNSAFE, (char) => (multiline && (char === '\n' || char === '\t') ? char : escapeOne(char)));
}

/** A name or a one-line field (a file path, a link target, a log line): line feeds escaped too. */
export function escapeLine(text: string): string {
  return escapeControl(text, { multiline: false });
}

/**
 * JSON text (as JSON.stringify writes it) with every unsafe character inside its strings written
 * as a `\uXXXX` escape: any JSON reader gets the very same value, and a terminal shows it inert.
 * JSON.stringify escapes C0 controls already, but leaves DEL, the C1 controls (U+009B is a CSI to
 * some terminals), bidi overrides and invisible characters as they are. Outside strings JSON text
 * holds only ASCII, so a C0 character there is the indentation's own line feed, kept.
 */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (match) => {
    // One escape per UTF-16 unit: a tag character (a surrogate pair) becomes two, as JSON spells it.
    let escaped = '';
    for (let index = 0; index < match.length; index += 1) escaped += `\\u${match.charCodeAt(index).toString(16).padStart(4, '0')}`;
    return escaped;
  });
}
