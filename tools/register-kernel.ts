/**
 * Register the project's tslab as a Jupyter kernel, without IPython.
 *
 * Writes <repo>/.jupyter/kernels/tslab/kernel.json pointing at this
 * checkout's node_modules/.bin/tslab. Jupyter finds it when JUPYTER_PATH
 * includes <repo>/.jupyter (tools/notebooks.ts and tools/execute-notebooks.ts
 * set that for the processes they start; for your own shell:
 *   export JUPYTER_PATH="$PWD/.jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}").
 *
 * Usage: npx tsx tools/register-kernel.ts   (prints the kernel.json path)
 */
import * as fs from "fs";
import * as path from "path";

export const KERNEL_NAME = "tslab";

/** The repository root: the nearest folder upwards holding package.json and notebooks/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "notebooks"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** <repo>/.jupyter — prepend this to JUPYTER_PATH. */
export function jupyterDir(root = repoRoot()): string {
  return path.join(root, ".jupyter");
}

/** Environment for a Jupyter process that should see the project's kernel. */
export function jupyterEnv(root = repoRoot(), base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const jp = [jupyterDir(root), base.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  return { ...base, JUPYTER_PATH: jp };
}

export function registerKernel(root = repoRoot()): string {
  const tslab = path.join(root, "node_modules", ".bin", "tslab");
  if (!fs.existsSync(tslab)) {
    throw new Error(`tslab not found at ${tslab}: run \`npm install\` in ${root} first`);
  }
  const dir = path.join(jupyterDir(root), "kernels", KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [tslab, "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript",
    language: "typescript",
  };
  const file = path.join(dir, "kernel.json");
  const text = JSON.stringify(spec, null, 2) + "\n";
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) fs.writeFileSync(file, text);
  return file;
}

if (require.main === module) {
  const file = registerKernel();
  console.log(`tslab kernel registered: ${file}`);
  console.log(`Jupyter sees it with: export JUPYTER_PATH="${jupyterDir()}\${JUPYTER_PATH:+:$JUPYTER_PATH}"`);
}
