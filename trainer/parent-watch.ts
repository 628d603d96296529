/**
 * Local mode runs this program as a child process of the local SageMaker (sagemaker-local/containers.ts, backend
 * process), which names itself in SAGEMAKER_LOCAL_PARENT_PID. When that process is gone without stopping its children
 * — kill -9, a notebook kernel killed — nothing would ever stop them: a model server listened for good and a
 * training job fitted on (measured: a 200,000-round job still running 10 s after its server was killed). So the program
 * stops itself as SageMaker stops a container: SIGTERM (serve drains; train ends at once), SIGKILL 5 s later.
 *
 * The check runs on a worker thread: `train` fits synchronously on the main thread, where a timer would wait for
 * the fit's end. Never set in the image: a container's parent is Docker's, and the next server's recovery removes
 * containers left behind (sagemaker-local/server.ts).
 */
import { Worker } from "worker_threads";

const WATCH = `
const { workerData } = require("worker_threads");
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code !== "ESRCH"; } };
const timer = setInterval(() => {
  if (alive(workerData.parent)) return;
  clearInterval(timer);
  process.kill(workerData.self, "SIGTERM");
  setTimeout(() => process.kill(workerData.self, "SIGKILL"), 5000);
}, 500);
`;

export function stopWithParent(): void {
  const parent = Number(process.env.SAGEMAKER_LOCAL_PARENT_PID);
  if (!Number.isInteger(parent) || parent <= 1) return;
  const w = new Worker(WATCH, { eval: true, workerData: { parent, self: process.pid }, resourceLimits: { maxOldGenerationSizeMb: 8 } });
  w.unref();
  w.on("error", () => undefined); // a watch that cannot run changes nothing else
}
