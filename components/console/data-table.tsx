// The console's tables: columns (a heading and how to draw a row's cell), the rows, and what stands
// instead when there are none. Plain markup without hooks, so server pages and client components both
// render it; the classes are the ones app/globals.css styles.
import type { ReactNode } from "react";

export type Column<Row> = {
  /** The column's heading. A table none of whose columns has one is drawn without a head. */
  header?: ReactNode;
  cell: (row: Row) => ReactNode;
  className?: string;
  /** Every cell of the column carries it as data-testid. */
  testId?: string;
  /** The cell names its row (<th scope="row">), as in a table of label and value. */
  rowHeader?: boolean;
};

/** data-* attributes of a row: the test ids and values the specs pick rows by. */
type RowData = { [name: `data-${string}`]: string | number | undefined };

/** "card": a page's main list, scrolling sideways in a flush card; "scroll": scrolling within a section. */
type Frame = "card" | "scroll";

const FRAME_CLASS: Record<Frame, string> = { card: "table-scroll card flush", scroll: "table-scroll" };

type Props<Row> = {
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row, index: number) => string;
  rowData?: (row: Row) => RowData;
  /** Shown instead of the table when there are no rows; without it the table is drawn empty. */
  empty?: ReactNode;
  emptyTestId?: string;
  frame?: Frame;
  /** Each cell carries its column's heading as data-label, which the phone layout shows beside it. */
  labelledCells?: boolean;
  caption?: ReactNode;
  className?: string;
  testId?: string;
};

function Cell<Row>({ column, row, labelled }: { column: Column<Row>; row: Row; labelled: boolean }) {
  if (column.rowHeader) {
    return (
      <th scope="row" className={column.className} data-testid={column.testId}>
        {column.cell(row)}
      </th>
    );
  }
  const label = labelled && typeof column.header === "string" ? column.header : undefined;
  return (
    <td className={column.className} data-testid={column.testId} data-label={label}>
      {column.cell(row)}
    </td>
  );
}

export function DataTable<Row>({
  columns,
  rows,
  rowKey,
  rowData,
  empty,
  emptyTestId,
  frame,
  labelledCells = false,
  caption,
  className,
  testId,
}: Props<Row>) {
  if (rows.length === 0 && empty !== undefined) {
    return (
      <p className={frame === "card" ? "card muted" : "muted"} data-testid={emptyTestId}>
        {empty}
      </p>
    );
  }
  const headed = columns.some((column) => column.header !== undefined);
  const table = (
    <table className={className} data-testid={testId}>
      {caption !== undefined ? <caption>{caption}</caption> : null}
      {headed ? (
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th key={i} scope="col">
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
      ) : null}
      <tbody>
        {rows.map((row, index) => (
          <tr key={rowKey(row, index)} {...rowData?.(row)}>
            {columns.map((column, i) => (
              <Cell key={i} column={column} row={row} labelled={labelledCells} />
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
  // A box that scrolls sideways takes focus, so it scrolls from the keyboard too (axe: scrollable-region-focusable).
  return frame ? (
    <div className={FRAME_CLASS[frame]} tabIndex={0}>
      {table}
    </div>
  ) : (
    table
  );
}
