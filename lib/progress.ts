/**
 * progress(label, total): reports long work (folds × members × rounds).
 *  - In a terminal (stderr is a TTY): one self-redrawing bar on stderr,
 *      "cv  [██████░░░░░░] 12/30 fold 3/5 xgboost"
 *  - Elsewhere (notebook, CI, log files): concise lines on stdout, at most
 *    about ten per task (every ~10 %, plus the last), e.g.
 *      "cv: 9/30 (30%) fold 2/5 ridge"
 * progressReporter(label) adapts it to the ensemble's onProgress callback.
 */
export interface Progress {
  tick(msg?: string): void;
  done(msg?: string): void;
}

export interface ProgressOptions {
  /** Force the bar (true) or lines (false); default: bar iff stderr is a TTY. */
  tty?: boolean;
  /** Where lines go (default process.stdout); the bar always uses process.stderr. */
  write?: (s: string) => void;
}

export function progress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  const write = opts.write ?? ((s: string) => void process.stdout.write(s));
  const width = 24;
  let count = 0;
  let lastPrinted = 0;
  let finished = false;
  const every = Math.max(1, Math.ceil(total / 10));

  const bar = (msg: string) => {
    const frac = total > 0 ? Math.min(1, count / total) : 1;
    const full = Math.round(frac * width);
    const line = `${label} [${"█".repeat(full)}${"░".repeat(width - full)}] ${count}/${total} ${msg}`;
    const cols = process.stderr.columns || 100;
    process.stderr.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length + 10))}`);
  };
  const lineFor = (msg: string) => `${label}: ${count}/${total} (${total > 0 ? Math.round((100 * count) / total) : 100}%)${msg ? " " + msg : ""}\n`;

  return {
    tick(msg = "") {
      if (finished) return;
      count++;
      if (tty) bar(msg);
      else if (count - lastPrinted >= every || count === total) {
        write(lineFor(msg));
        lastPrinted = count;
      }
    },
    done(msg = "done") {
      if (finished) return;
      finished = true;
      if (tty) {
        bar(msg);
        process.stderr.write("\n");
      } else if (lastPrinted !== count || msg !== "done") write(`${label}: ${msg} (${count}/${total})\n`);
      else write(`${label}: done\n`);
    },
  };
}

/**
 * An onProgress callback for Ensemble.fit / crossValidate that drives a
 * progress() display (created on the first event, finished on the last).
 */
export function progressReporter(label: string, opts: ProgressOptions = {}): (e: { done: number; total: number; message: string }) => void {
  let p: Progress | undefined;
  return (e) => {
    p ??= progress(label, e.total, opts);
    p.tick(e.message);
    if (e.done >= e.total) {
      p.done();
      p = undefined;
    }
  };
}

/** Progress of a load measured in bytes: "load flights.csv: 120/275 MB (44%), 436,000 rows, 131 MB/s". */
export interface LoadProgress {
  update(bytes: number, rows: number): void;
  /** A line saying why bytes already counted are read again (a column found to hold text): the count goes back to `bytes`. */
  again(note: string, bytes: number): void;
  done(rows: number): void;
}

/**
 * A load's progress line: in a terminal one self-redrawing bar on stderr, elsewhere (notebook, job log)
 * at most about ten lines on stdout (every ~10 % of the bytes), then a closing line with the rows and MB/s.
 */
export function loadProgress(label: string, totalBytes: number, opts: ProgressOptions = {}): LoadProgress {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  const write = opts.write ?? ((s: string) => void process.stdout.write(s));
  const start = performance.now();
  let nextLine = 0.1;
  const mb = (b: number) => (b / 1e6).toFixed(b < 1e7 ? 1 : 0);
  const rate = (b: number) => `${Math.round(b / 1e6 / Math.max(1e-3, (performance.now() - start) / 1000))} MB/s`;
  const text = (bytes: number, rows: number) =>
    `${mb(bytes)}/${mb(totalBytes)} MB (${totalBytes > 0 ? Math.round((100 * bytes) / totalBytes) : 100}%), ${rows.toLocaleString("en-US")} rows, ${rate(bytes)}`;
  let last = 0;
  return {
    update(bytes, rows) {
      last = bytes;
      const frac = totalBytes > 0 ? bytes / totalBytes : 1;
      if (tty) {
        const width = 24, full = Math.round(Math.min(1, frac) * width);
        process.stderr.write(`\r${label} [${"█".repeat(full)}${"░".repeat(width - full)}] ${text(bytes, rows)}`.slice(0, (process.stderr.columns || 100) - 1));
      } else if (frac >= nextLine && frac < 1) {
        write(`${label}: ${text(bytes, rows)}\n`);
        while (nextLine <= frac) nextLine += 0.1;
      }
    },
    again(note, bytes) {
      last = bytes;
      // the lines every ~10 % start again from where the count goes back to
      nextLine = 0.1;
      while (totalBytes > 0 && nextLine <= bytes / totalBytes) nextLine += 0.1;
      if (tty) process.stderr.write(`\r${label}: ${note}`.slice(0, (process.stderr.columns || 100) - 1) + "\n");
      else write(`${label}: ${note}\n`);
    },
    done(rows) {
      const msg = `${label}: ${rows.toLocaleString("en-US")} rows, ${mb(last || totalBytes)} MB in ${((performance.now() - start) / 1000).toFixed(1)} s (${rate(last || totalBytes)})`;
      if (tty) process.stderr.write(`\r${msg}\n`);
      else write(`${msg}\n`);
    },
  };
}
