import { SegmentedControl, Text } from '@mantine/core';
import { useId } from 'react';

/** A segmented control named by a visible label (Mantine's has none of its own), as a group. */
export function SegmentedField<T extends string>({ label, value, onChange, data }: { label: string; value: T; onChange: (v: T) => void; data: { value: T; label: string }[] }) {
  const id = useId();
  return (
    <div role="group" aria-labelledby={id}>
      <Text size="sm" fw={500} id={id}>
        {label}
      </Text>
      <SegmentedControl value={value} onChange={onChange} data={data} />
    </div>
  );
}
