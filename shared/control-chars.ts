/**
 * C0 controls, DEL and C1 controls: what no lock path or session name may
 * hold, and what no log line may quote, since consoles and terminals read
 * escape sequences in them.
 */
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const ALL_CONTROL_CHARS = new RegExp(CONTROL_CHARS.source, 'g');

/** True when `text` holds a control character. */
export function hasControlChars(text: string): boolean {
  return CONTROL_CHARS.test(text);
}

/** `text` with every control character replaced by `replacement`. */
export function replaceControlChars(text: string, replacement: string): string {
  return text.replace(ALL_CONTROL_CHARS, replacement);
}
