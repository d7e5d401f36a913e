import { Alert, Text } from '@mantine/core';
import { ApiError, UNREACHABLE } from '../api/client';

/** An API failure as the hub said it: its message, and the field at fault when it names one. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  const heading = title ?? (e?.code === UNREACHABLE ? 'The hub is not reachable' : e && e.status === 401 ? 'Not signed in' : 'The hub refused this');
  return (
    <Alert color="red" title={heading} role="alert" data-testid="error">
      <Text size="sm">{e ? e.message : error instanceof Error ? error.message : 'Unexpected error'}</Text>
      {e?.field && (
        <Text size="sm" mt={4}>
          Field: <code>{e.field}</code>
        </Text>
      )}
    </Alert>
  );
}

/** A field's error from an ApiError, for a form control's `error` prop. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError && error.field === field ? error.message : undefined;
}

/** The error of a field or of anything under it (`media_urls` for `media_urls[2]`, `content` for `content.template_id`). */
export function fieldErrorUnder(error: unknown, prefix: string): string | undefined {
  if (!(error instanceof ApiError) || !error.field) return undefined;
  const f = error.field;
  return f === prefix || f.startsWith(`${prefix}.`) || f.startsWith(`${prefix}[`) ? error.message : undefined;
}
