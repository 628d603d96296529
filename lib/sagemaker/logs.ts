/**
 * A job's log, read where SageMaker puts it — CloudWatch Logs — with `@aws-sdk/client-cloudwatch-logs`, the same
 * code in both modes (locally the local SageMaker answers the Logs API on its own port). As the SageMaker Python
 * SDK does: DescribeLogStreams finds the job's streams (`<job>/…` in its group), GetLogEvents reads each from its
 * head with startFromHead and follows its nextForwardToken; the token coming back unchanged means "nothing more
 * yet", and the same token asked again later answers what was written since.
 */
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-cloudwatch-logs";
import type { Session } from "./session";

/** SageMaker's log groups */
export const LOG_GROUPS = {
  trainingJobs: "/aws/sagemaker/TrainingJobs",
  transformJobs: "/aws/sagemaker/TransformJobs",
  endpoint: (endpointName: string) => `/aws/sagemaker/Endpoints/${endpointName}`,
} as const;

/** one log line */
export interface LogEvent {
  stream: string;
  /** epoch ms */
  timestamp: number;
  message: string;
}

/**
 * Follows every stream of one job in a log group: each `poll()` answers the lines written since the last one
 * (streams that appear later — a container that starts later — are picked up), in time order.
 */
export class LogFollower {
  private tokens = new Map<string, string | undefined>();
  constructor(
    private client: CloudWatchLogsClient,
    readonly group: string,
    /** the job's streams: `<job>/` */
    readonly streamPrefix: string,
  ) {}

  async poll(): Promise<LogEvent[]> {
    let streams: string[];
    try {
      streams = await this.streamNames();
    } catch (e) {
      if (e instanceof ResourceNotFoundException) return []; // the group appears with the job's first container
      throw e;
    }
    const out: LogEvent[] = [];
    for (const stream of streams) {
      let token = this.tokens.get(stream);
      for (;;) {
        const r = await this.client.send(new GetLogEventsCommand({ logGroupName: this.group, logStreamName: stream, startFromHead: true, nextToken: token }));
        for (const e of r.events ?? []) out.push({ stream, timestamp: e.timestamp ?? 0, message: e.message ?? "" });
        const next = r.nextForwardToken;
        const done = next === undefined || next === token;
        token = next ?? token;
        if (done) break;
      }
      this.tokens.set(stream, token);
    }
    return out.sort((a, b) => a.timestamp - b.timestamp);
  }

  private async streamNames(): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const r = await this.client.send(new DescribeLogStreamsCommand({ logGroupName: this.group, logStreamNamePrefix: this.streamPrefix, nextToken }));
      for (const s of r.logStreams ?? []) if (s.logStreamName) names.push(s.logStreamName);
      nextToken = r.nextToken;
    } while (nextToken);
    return names;
  }
}

/** a follower of a job's streams in a group (`/aws/sagemaker/TrainingJobs`, `…/TransformJobs`) */
export async function followJobLogs(session: Session, group: string, jobName: string): Promise<LogFollower> {
  const { logs } = await session.clients();
  return new LogFollower(logs, group, `${jobName}/`);
}

/**
 * A running job's new log lines for a wait loop (fit's, a transform's): each call answers the lines written since.
 * A log that cannot be read — no CloudWatch Logs permission (AccessDeniedException), throttling past the client's
 * retries — is said once, and the wait goes on by the job's status without lines: the error ended fit() while its
 * job ran on, and the notebook lost the job's result.
 */
export async function jobLogLines(session: Session, group: string, jobName: string): Promise<() => Promise<LogEvent[]>> {
  let follower: LogFollower | undefined = await followJobLogs(session, group, jobName);
  return async () => {
    if (!follower) return [];
    try {
      return await follower.poll();
    } catch (e) {
      follower = undefined;
      session.log(`${jobName}: its log cannot be read (${(e as Error).name}: ${(e as Error).message}); waiting for the job without it`);
      return [];
    }
  };
}

/** every line a training job has logged so far (CloudWatch Logs, /aws/sagemaker/TrainingJobs) */
export async function trainingJobLogs(session: Session, jobName: string): Promise<LogEvent[]> {
  return (await followJobLogs(session, LOG_GROUPS.trainingJobs, jobName)).poll();
}
