/**
 * The one place where a JSON.parse failure is meant: text that is not JSON reads as undefined, and
 * every caller then checks the value (a schema, a type test) and refuses undefined like any other
 * malformed record. A broad catch around a read and a parse together would also turn a failed read
 * (permissions, I/O) into "damaged"; parsing apart, with this, keeps the two apart.
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error: unknown) {
    // JSON.parse fails in one way, a SyntaxError for text that is not JSON; anything else is not ours to hide.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
