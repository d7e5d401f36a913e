import { ActionIcon, CopyButton, TextInput, Tooltip } from '@mantine/core';

/** A read-only value with a copy button (webhook URLs, the ingest URL, a new API key). */
export function CopyField({ label, value, description }: { label: string; value: string; description?: string }) {
  return (
    <TextInput
      label={label}
      description={description}
      value={value}
      readOnly
      onFocus={(e) => e.currentTarget.select()}
      rightSectionWidth={70}
      rightSection={
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow>
              <ActionIcon variant="light" onClick={copy} aria-label={`Copy ${label}`} w={60}>
                {copied ? 'Copied' : 'Copy'}
              </ActionIcon>
            </Tooltip>
          )}
        </CopyButton>
      }
    />
  );
}
