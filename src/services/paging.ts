// Cursor pagination of lists: one page of rows and the cursor of the next.

export interface ListPage<T> {
  items: T[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/**
 * `rows` was fetched with one more than `limit`: whether that extra row came back says whether
 * there is a next page, which starts after the page's last row.
 */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string): ListPage<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? cursorOf(items[items.length - 1]!) : null };
}
