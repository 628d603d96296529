/**
 * The table type every lib function takes: an arquero ColumnTable. Tables from loadTable hold typed
 * columns (columns.ts); tables built by hand (arquero's table/from) hold plain arrays — both work everywhere.
 */
import type { ColumnTable } from "arquero";

export type Table = ColumnTable;
