/**
 * The local SageMaker as its own process, for the fuzz and the kill -9 campaign (a crash must not take the test
 * runner with it): `tsx test/fuzz/sm-server.ts <state dir> [serverlessIdleMs]` prints `listening <url>` and runs
 * the fake trainer (test/fixtures/sagemaker-fake-trainer.cjs) as the container program. With
 * SAGEMAKER_LOCAL_CRASH_AT set it crashes itself at that point (sagemaker-local/crash-points.ts). With
 * SM_SERVER_REAL_TRAINER=1 it runs the project's trainer (lib/sagemaker's projectTrainerCommand) instead.
 */
import * as path from "path";
import { startServer } from "@ensemble-workbook/sagemaker-local";
import { projectTrainerCommand } from "../../lib/sagemaker/local";

const [stateDir, idle] = process.argv.slice(2);
startServer({
  stateDir,
  trainerCommand: process.env.SM_SERVER_REAL_TRAINER === "1" ? projectTrainerCommand : [process.execPath, path.join(__dirname, "..", "fixtures", "sagemaker-fake-trainer.cjs")],
  serverlessIdleMs: idle ? Number(idle) : 2000,
  quiet: true,
}).then(
  (srv) => {
    console.log(`listening ${srv.url}`);
    process.on("SIGTERM", () => srv.close().then(() => process.exit(0)));
  },
  (e) => {
    console.error(`could not start: ${e instanceof Error ? e.stack : String(e)}`);
    process.exit(1);
  },
);
