/**
 * npm run notebooks            register the tslab kernel, then open Jupyter (lab, else notebook) on notebooks/
 * npm run notebooks -- --execute [nb…]   execute every notebook through nbconvert into out/notebooks/
 *
 * The kernel spec lives in <repo>/.jupyter (no IPython needed); the Jupyter
 * process started here gets JUPYTER_PATH pointing there.
 */
import { spawn, spawnSync } from "child_process";
import * as path from "path";
import { jupyterDir, jupyterEnv, registerKernel, repoRoot } from "./register-kernel";

function has(cmd: string[]): boolean {
  const r = spawnSync(cmd[0], [...cmd.slice(1), "--version"], { encoding: "utf8", env: jupyterEnv() });
  return r.status === 0;
}

function main(argv: string[]) {
  const root = repoRoot();
  const file = registerKernel(root);
  console.log(`tslab kernel registered: ${file}`);
  if (argv.includes("--execute")) {
    const rest = argv.filter((a) => a !== "--execute");
    const r = spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(__dirname, "execute-notebooks.ts"), ...rest], {
      stdio: "inherit",
      cwd: root,
    });
    process.exitCode = r.status ?? 1;
    return;
  }
  const candidates = [["jupyter", "lab"], ["jupyter-lab"], ["jupyter", "notebook"], ["jupyter-notebook"]];
  const found = candidates.find(has);
  if (!found) {
    console.log(`
Neither JupyterLab nor Jupyter Notebook is installed here (only the Jupyter client tools are).
Install one, then run \`npm run notebooks\` again:
  pip install jupyterlab            # or: sudo apt-get install jupyter-notebook  (Debian/Ubuntu)
Or point an existing Jupyter (VS Code, JupyterLab elsewhere) at the kernel:
  export JUPYTER_PATH="${jupyterDir(root)}\${JUPYTER_PATH:+:$JUPYTER_PATH}"
  jupyter lab ${path.join(root, "notebooks")}      # pick the "TypeScript" kernel
Without any Jupyter UI you can still execute them headless:
  npm run notebooks -- --execute    # → out/notebooks/*.ipynb (open them anywhere)
  npm start                         # the whole flow as scripts`);
    process.exitCode = 1;
    return;
  }
  console.log(`starting ${found.join(" ")} in ${path.join(root, "notebooks")} (Ctrl-C to stop)`);
  const child = spawn(found[0], [...found.slice(1), "--notebook-dir", path.join(root, "notebooks")], {
    stdio: "inherit",
    env: jupyterEnv(root),
    cwd: path.join(root, "notebooks"),
  });
  child.on("exit", (code) => (process.exitCode = code ?? 0));
}

main(process.argv.slice(2));
