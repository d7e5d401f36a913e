import { Table, type TableProps } from '@mantine/core';
import type { ReactNode } from 'react';
import { Empty, Loading } from './Page';
import { ScrollTable } from './ScrollTable';

/** A column heading; `{ hidden }` is read by screen readers only (an actions column). */
export type Column = string | { hidden: string };

/**
 * The console's list: "Loading …" while it loads, its empty message when there is nothing, else a
 * table that scrolls sideways on narrow screens (ScrollTable) with a row per item. Nothing while
 * `rows` is undefined after loading (a failure: the screen shows its error beside it).
 */
export function ListTable<T>({
  label,
  what = label.toLowerCase(),
  minWidth,
  loading = false,
  rows,
  empty,
  columns,
  row,
  table,
}: {
  /** Names the scrolling region. */
  label: string;
  /** "Loading {what}…"; default: the label. */
  what?: string;
  minWidth: number;
  loading?: boolean;
  rows: readonly T[] | undefined;
  empty: ReactNode;
  columns: readonly Column[];
  /** The item's <Table.Tr>, with its key. */
  row: (item: T, index: number) => ReactNode;
  table?: TableProps & Record<`data-${string}`, string>;
}) {
  if (loading) return <Loading what={what} />;
  if (!rows) return null;
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ScrollTable minWidth={minWidth} label={label}>
      <Table {...table}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => (
              <Table.Th key={typeof c === 'string' ? c : c.hidden}>{typeof c === 'string' ? c : <span className="visually-hidden">{c.hidden}</span>}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{rows.map(row)}</Table.Tbody>
      </Table>
    </ScrollTable>
  );
}
