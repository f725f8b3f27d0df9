/**
 * Stack locks of the DIY backend (pkg/backend/diy/lock.go): one file per CLI process under
 * `.pulumi/locks/organization/<project>/<stack>/<uuid>.json`; any other process's file makes
 * the stack busy.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Backend, bucketKeyUrl, lockDirKey, type StackRef } from "./backend";
import { CliError } from "./errors";
import { goTime, rfc3339Seconds } from "./formats";

interface LockContent {
  pid: number;
  username: string;
  hostname: string;
  timestamp: string;
}

/** The lock ID is allocated once per backend instance, i.e. once per CLI process. */
const lockId = randomUUID();

const lockDir = (b: Backend, ref: StackRef): string => path.join(b.root, lockDirKey(ref));
const ownLockKey = (ref: StackRef): string => `${lockDirKey(ref)}/${lockId}.json`;

function checkForLock(b: Backend, ref: StackRef): void {
  const dir = lockDir(b, ref);
  if (!existsSync(dir)) return;
  const others = readdirSync(dir, { withFileTypes: true })
    .filter((f) => f.isFile() && `${lockDirKey(ref)}/${f.name}` !== ownLockKey(ref))
    .map((f) => `${lockDirKey(ref)}/${f.name}`)
    .sort();
  if (others.length === 0) return;
  let message =
    `the stack is currently locked by ${others.length} lock(s). Either wait for the other ` +
    "process(es) to end or delete the lock file with `pulumi cancel`.";
  for (const key of others) {
    const lock = JSON.parse(readFileSync(path.join(b.root, key), "utf8")) as LockContent;
    message +=
      `\n  ${bucketKeyUrl(b, key)}: created by ${lock.username}@${lock.hostname} ` +
      `(pid ${lock.pid}) at ${rfc3339Seconds(lock.timestamp)}`;
  }
  throw new CliError(message);
}

/** Lock: check, write ours, check again (another process may have raced us), as the CLI does. */
export function lock(b: Backend, ref: StackRef): void {
  checkForLock(b, ref);
  const content: LockContent = {
    pid: process.pid,
    username: os.userInfo().username,
    hostname: os.hostname(),
    timestamp: goTime(),
  };
  mkdirSync(lockDir(b, ref), { recursive: true });
  writeFileSync(path.join(b.root, ownLockKey(ref)), JSON.stringify(content));
  try {
    checkForLock(b, ref);
  } catch (err) {
    unlock(b, ref);
    throw err;
  }
}

function unlock(b: Backend, ref: StackRef): void {
  rmSync(path.join(b.root, ownLockKey(ref)), { force: true });
}

export async function withLock<T>(b: Backend, ref: StackRef, body: () => Promise<T>): Promise<T> {
  lock(b, ref);
  try {
    return await body();
  } finally {
    unlock(b, ref);
  }
}

/** CancelCurrentUpdate: a DIY backend has nothing to cancel but the lock files, all of them. */
export function removeAllLocks(b: Backend, ref: StackRef): void {
  const dir = lockDir(b, ref);
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    if (f.isFile()) rmSync(path.join(dir, f.name), { force: true });
  }
}
