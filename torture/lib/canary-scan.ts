// Looks for secrets where they must never be: every file given (SQLite database, its -wal and
// -shm, hub logs) is searched for each canary as written and in its base64 forms. Base64 of a
// secret embedded in a longer value depends on where it starts (offset mod 3), so each of the
// three alignments is searched, standard and URL-safe, by the part of its encoding that does not
// depend on the neighbouring bytes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Canary {
  /** What the secret is, for the report: `sinch api_token`. */
  label: string;
  value: string;
}

export interface CanaryHit {
  label: string;
  form: string;
  file: string;
  offset: number;
}

/** The byte patterns to look for: the value itself and its base64 forms at each alignment. */
export function canaryForms(value: string): { form: string; bytes: Buffer }[] {
  const raw = Buffer.from(value, 'utf8');
  const forms = [{ form: 'raw', bytes: raw }];
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.concat([Buffer.alloc(pad, 0), raw]).toString('base64');
    // Characters fully determined by the secret's own bytes: skip the ones mixed with padding
    // bytes before, and the last (partial) group after.
    const start = pad === 0 ? 0 : pad === 1 ? 2 : 3;
    const end = Math.floor(((pad + raw.length) * 8) / 6) - 1;
    const core = b64.slice(start, Math.max(start, end));
    if (core.length < 8) continue;
    forms.push({ form: `base64 (offset ${pad})`, bytes: Buffer.from(core) });
    const url = core.replaceAll('+', '-').replaceAll('/', '_');
    if (url !== core) forms.push({ form: `base64url (offset ${pad})`, bytes: Buffer.from(url) });
  }
  return forms;
}

/** Files directly in `dir` (not below), for scanning a data folder. */
export function filesIn(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

export function scanFiles(files: string[], canaries: Canary[]): CanaryHit[] {
  const hits: CanaryHit[] = [];
  const patterns = canaries.flatMap((c) => canaryForms(c.value).map((f) => ({ ...f, label: c.label })));
  for (const file of files) {
    const data = readFileSync(file);
    for (const p of patterns) {
      for (let at = data.indexOf(p.bytes); at >= 0; at = data.indexOf(p.bytes, at + 1)) {
        hits.push({ label: p.label, form: p.form, file, offset: at });
      }
    }
  }
  return hits;
}
