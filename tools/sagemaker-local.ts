/**
 * The local SageMaker standalone, for other clients (AWS CLI, boto3):
 * `npm run sagemaker-local -- --port <n> --state-dir <dir> [--s3-endpoint <url>] [--idle-ms <ms>]`.
 * It runs the project's trainer, as local mode in a notebook does.
 */
import { startLocalSageMaker } from "ensemble-workbook/sagemaker";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

async function main(): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log("usage: npm run sagemaker-local -- [--port 8790] [--state-dir .sagemaker-local] [--region us-east-1] [--s3-endpoint URL] [--idle-ms 300000]");
    return;
  }
  const port = arg("port") !== undefined ? Number(arg("port")) : 8790;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${arg("port")}: not a port number`);
  const s3 = arg("s3-endpoint");
  const srv = await startLocalSageMaker({
    port,
    stateDir: arg("state-dir"),
    region: arg("region") ?? process.env.AWS_REGION,
    s3: s3 ? { endpoint: s3 } : undefined,
    serverlessIdleMs: arg("idle-ms") ? Number(arg("idle-ms")) : undefined,
  });
  console.log(`local SageMaker listening on ${srv.url} (state ${srv.stateDir})`);
  console.log(`  aws --endpoint-url ${srv.url} sagemaker list-training-jobs`);
  const stop = () => {
    srv.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e) => {
  console.error(`sagemaker-local: ${e.message}`);
  process.exit(1);
});
