/**
 * Fault injection for the kill -9 campaign (test/fuzz/crash.ts): `crashPoint(name)` marks a place where a crash
 * is most harmful — between writing a temporary file and renaming it, between saving a trial's training job and
 * its tuning job. With env SAGEMAKER_LOCAL_CRASH_AT=<name>:<n> the process SIGKILLs itself the n-th time it
 * passes <name> (n from 1), so a seeded campaign can land a kill exactly there instead of hoping a timer does.
 * Without the variable it does nothing.
 */
const spec = /^([\w-]+):(\d+)$/.exec(process.env.SAGEMAKER_LOCAL_CRASH_AT ?? "");
let remaining = spec ? Number(spec[2]) : 0;

export function crashPoint(name: string): void {
  if (!spec || name !== spec[1]) return;
  if (--remaining === 0) process.kill(process.pid, "SIGKILL");
}
