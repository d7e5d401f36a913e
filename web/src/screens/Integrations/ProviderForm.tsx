// An integration's form, built from the provider's schemas (GET /providers): the documented
// fields with their labels and help text, region choices, and secrets write-only — a set secret
// shows as set and is replaced only when a new value is typed.
import { Button, NumberInput, PasswordInput, Select, Stack, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { text } from '../../api/client';
import type { Integration, JsonSchemaProp, ObjectSchema, Provider } from '../../api/types';
import { ErrorAlert, fieldError } from '../../components/ErrorAlert';

export interface IntegrationInput {
  provider: string;
  name: string;
  config: Record<string, string>;
  secrets: Record<string, string>;
  rate_limit: number | null;
}

const choices = (p: JsonSchemaProp) => (p.anyOf ?? []).map((a) => a.const).filter((c): c is string => typeof c === 'string');
const label = (name: string, p: JsonSchemaProp) => p.title ?? name;

function fields(schema: ObjectSchema) {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, prop]) => ({ name, prop, required: required.has(name) }));
}

export function ProviderForm({ provider, existing, onSubmit, pending, error, disabled }: {
  provider: Provider;
  existing?: Integration;
  onSubmit: (input: IntegrationInput) => void;
  pending: boolean;
  error: unknown;
  disabled?: boolean;
}) {
  const [name, setName] = useState(existing?.name ?? provider.display_name);
  const [config, setConfig] = useState<Record<string, string>>(() => {
    const init: Record<string, string> = {};
    for (const { name: n, prop } of fields(provider.config_schema)) {
      const v = existing?.config[n] ?? prop.default;
      if (v !== undefined && v !== null) init[n] = text(v);
    }
    return init;
  });
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [rate, setRate] = useState<number | string>(existing?.rate_limit ?? '');

  // The documented fields first; endpoint overrides (base_url, auth_url) behind "Advanced".
  const all = fields(provider.config_schema);
  const basic = all.filter((f) => !f.name.endsWith('_url'));
  const advanced = all.filter((f) => f.name.endsWith('_url'));
  const renderConfig = ({ name: n, prop, required }: ReturnType<typeof fields>[number]) => {
    const opts = choices(prop);
    const err = fieldError(error, `config.${n}`) ?? fieldError(error, n);
    return opts.length ? (
      <Select key={n} label={label(n, prop)} description={prop.description} data={opts} value={config[n] ?? null} onChange={(v) => setConfig({ ...config, [n]: v ?? '' })} required={required} error={err} disabled={disabled} allowDeselect={false} />
    ) : (
      <TextInput key={n} label={label(n, prop)} description={prop.description} value={config[n] ?? ''} onChange={(e) => setConfig({ ...config, [n]: e.currentTarget.value })} required={required} error={err} disabled={disabled} />
    );
  };

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const cfg = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== ''));
    const sec = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== ''));
    onSubmit({ provider: provider.type, name, config: cfg, secrets: sec, rate_limit: rate === '' ? null : Number(rate) });
  };

  return (
    <form onSubmit={submit} aria-label={`${provider.display_name} integration`}>
      <Stack gap="sm" maw={560}>
        <TextInput label="Integration name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(error, 'name')} disabled={disabled} />
        {basic.map(renderConfig)}
        {advanced.length > 0 && (
          <details open={advanced.some((f) => config[f.name])}>
            <summary style={{ cursor: 'pointer' }}>Advanced: API endpoints (proxies, sandboxes)</summary>
            <Stack gap="sm" mt="xs">
              {advanced.map(renderConfig)}
            </Stack>
          </details>
        )}
        <Title order={2} size="h5" mt="sm">
          Secrets
        </Title>
        {fields(provider.secrets_schema).map(({ name: n, prop, required }) => {
          const isSet = existing?.secrets_set.includes(n) ?? false;
          return (
            <PasswordInput
              key={n}
              label={label(n, prop)}
              description={`${prop.description ?? ''}${isSet ? ' — set; type a new value to replace it' : ''}`.replace(/^ — /, '')}
              placeholder={isSet ? '•••••• (set)' : undefined}
              value={secrets[n] ?? ''}
              onChange={(e) => setSecrets({ ...secrets, [n]: e.currentTarget.value })}
              required={required && !isSet}
              autoComplete="new-password"
              error={fieldError(error, `secrets.${n}`) ?? fieldError(error, n)}
              disabled={disabled}
            />
          );
        })}
        <NumberInput label="Rate limit" description="Message parts per second; empty for unlimited" value={rate} onChange={setRate} min={0.001} max={100000} error={fieldError(error, 'rate_limit')} disabled={disabled} />
        <ErrorAlert error={error} />
        <Button type="submit" loading={pending} disabled={disabled} w="fit-content">
          Save integration
        </Button>
      </Stack>
    </form>
  );
}
