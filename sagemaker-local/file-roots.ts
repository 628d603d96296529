/**
 * The folders that `file://` URIs may name: training channels, S3OutputPath, a model's ModelDataUrl. A request
 * to the local SageMaker makes this process read and write files, so it is held to a few folders — by default
 * the project folder (the container program's folder), the state folder and the OS temp folder — and more are
 * added by the caller: the `fileRoots` option, env SAGEMAKER_LOCAL_FILE_ROOTS, `--file-root`, or
 * `allowFileRoot()` in-process (lib's session does that for a local data path its user passes).
 *
 * A path is inside a root when its real path is: the longest existing part of it is resolved through symbolic
 * links (so a link in /tmp to /etc does not get out), the rest is appended. Checked when a request is accepted
 * and again when the file is read or written (./storage), since links may change in between.
 */
import * as fs from "fs";
import * as path from "path";
import { validation } from "./errors";

/** the real path of `p`: its longest existing ancestor resolved through links, the rest appended */
export function realPath(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return abs;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

export class FileRoots {
  private roots: string[] = [];
  /** how the option is named where this server is configured, for the message */
  constructor(roots: string[], private optionName = "fileRoots (env SAGEMAKER_LOCAL_FILE_ROOTS, --file-root)") {
    for (const r of roots) this.add(r);
  }
  /** allow one more folder (and everything under it) */
  add(dir: string): void {
    const real = realPath(dir);
    if (!this.roots.includes(real)) this.roots.push(real);
  }
  list(): string[] {
    return this.roots.slice();
  }
  contains(p: string): boolean {
    const real = realPath(p);
    return this.roots.some((r) => real === r || real.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  }
  /** ValidationException naming the option when `p` (from `uri`) is outside every root */
  check(p: string, uri: string, what: string): void {
    if (!this.contains(p))
      throw validation(
        `${what}: ${uri} is outside the folders this local SageMaker may read and write (${this.roots.join(", ")}); allow its folder with the option ${this.optionName}.`,
      );
  }
}
