// Provider text made fit to store: one line, bounded, credentials redacted. Providers echo what
// they were sent (an Authorization header in an error body, say), and what is stored reaches
// events that project keys read.

/** The longest comment kept from a provider. */
export const MAX_COMMENT_CHARS = 300;

/**
 * Characters that continue a word: a secret is redacted unless one of them stands right before
 * or after it. Punctuation (`.`, `/`, `=`, quotes) ends a word, so a secret at the end of a
 * sentence, in a path or after `token=` is still found.
 */
const WORD_CHAR = String.raw`[A-Za-z0-9_\-]`;

/**
 * Single-line, at most `max` characters, and with every given secret replaced by `[redacted]`
 * where it stands as a whole token: a one-letter secret must not turn "Timeout" into
 * "Timeou[redacted]", while "Bearer s3cret" or `"token":"s3cret"` lose it.
 */
export function clean(text: string, secrets: readonly string[], max = MAX_COMMENT_CHARS): string {
  let out = text.replace(/\s+/g, ' ').trim();
  for (const s of secrets) {
    if (!s) continue;
    const escaped = s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(?<!${WORD_CHAR})${escaped}(?!${WORD_CHAR})`, 'g'), '[redacted]');
  }
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
