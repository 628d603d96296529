/**
 * The local SageMaker standalone, for other clients (AWS CLI, boto3):
 * `npm run sagemaker-local -- --port <n> --state-dir <dir> [--s3-endpoint <url>] [--idle-ms <ms>]
 *  [--allow-origin <origin>]… [--allow-host <name>]… [--file-root <dir>]… [--max-connections <n>] [--backend auto|docker|process]`.
 * It runs the project's trainer (or, with Docker, the job's image), as local mode in a notebook does.
 */
import { startLocalSageMaker } from "ensemble-workbook/sagemaker";

function arg(name: string): string | undefined {
  return args(name)[0];
}
/** every value of a repeatable flag (--name v or --name=v), comma lists split */
function args(name: string): string[] {
  const argv = process.argv;
  return argv
    .flatMap((a, i) => (a === `--${name}` ? [argv[i + 1] ?? ""] : a.startsWith(`--${name}=`) ? [a.slice(name.length + 3)] : []))
    .flatMap((v) => (name === "file-root" ? [v] : v.split(",")))
    .filter(Boolean);
}
/** a repeatable flag's values, or undefined when absent (the server then reads its environment variable) */
const listArg = (name: string) => (args(name).length ? args(name) : undefined);

/** --backend: where images run (the server reads SAGEMAKER_LOCAL_BACKEND when it is absent) */
function backendArg(v: string | undefined): "auto" | "docker" | "process" | undefined {
  if (v === undefined) return undefined;
  if (v === "auto" || v === "docker" || v === "process") return v;
  throw new Error(`--backend ${v}: expected auto, docker or process`);
}

async function main(): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(
      "usage: npm run sagemaker-local -- [--port 8790] [--state-dir .sagemaker-local] [--region us-east-1] [--s3-endpoint URL] [--idle-ms 300000]\n" +
        "         [--allow-origin http://localhost:8888]… [--allow-host name]… [--file-root /data]… [--max-connections 256] [--backend auto|docker|process]",
    );
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
    allowedOrigins: listArg("allow-origin"),
    allowedHosts: listArg("allow-host"),
    fileRoots: args("file-root"),
    maxConnections: arg("max-connections") ? Number(arg("max-connections")) : undefined,
    backend: backendArg(arg("backend")),
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
