// Secrets at rest (AES-256-GCM), API key hashing and constant-time comparisons.
import { createCipheriv, createDecipheriv, createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';

export class SecretBox {
  readonly #key: Buffer;

  /** Accepts 32 random bytes as base64/hex, or any passphrase (hashed to a key). */
  constructor(secret: string) {
    const raw = /^[A-Za-z0-9+/]{43}=$/.test(secret)
      ? Buffer.from(secret, 'base64')
      : /^[0-9a-f]{64}$/i.test(secret)
        ? Buffer.from(secret, 'hex')
        : createHash('sha256').update(secret, 'utf8').digest();
    this.#key = raw;
  }

  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('unreadable sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  }

  sealJson(value: unknown): string {
    return this.seal(JSON.stringify(value));
  }

  openJson<T>(sealed: string): T {
    return JSON.parse(this.open(sealed)) as T;
  }
}

export function sha256Hex(value: string | Buffer): string {
  return hash('sha256', value, 'hex');
}

/** Compares two strings in time independent of where they differ, and of their lengths. */
export function safeEqual(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so length differences don't short-circuit either.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Compares a presented secret with one of a fixed, public length (such as our generated
 * tokens) in time independent of where they differ. Only a wrong length returns early, which
 * tells nothing the format doesn't.
 */
export function safeEqualFixedLength(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
