import { pagesAssetHash, readPagesManifest, type PagesManifest } from "./pages-manifest";

/**
 * What a Pages upload sends, decided without a call: the paths a new build adds, changes and removes,
 * one blob per distinct asset key, the blobs grouped in wrangler's buckets, and each bucket's payload.
 * The build is read again before anything is sent, so the deployment carries what the preview showed.
 */

/** A build folder and the manifest the preview read from it. */
export interface PagesBuild {
  /** The build folder, relative to the working folder (the program's, which is the provider's). */
  buildDir: string;
  files: PagesManifest;
}

/** The paths a new manifest adds, changes (other content) and removes, each sorted. */
export interface ManifestChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

/** One blob to upload: its key, its size, and a path of the build that holds it. */
export interface UploadFile {
  path: string;
  hash: string;
  size: number;
}

/** wrangler's MAX_BUCKET_SIZE, MAX_BUCKET_FILE_COUNT and BULK_UPLOAD_CONCURRENCY (src/pages/constants.ts). */
const maxBucketBytes = 40 * 1024 * 1024;
const maxBucketFiles = 2_000;
export const uploadConcurrency = 3;

export function manifestChanges(olds: PagesManifest, news: PagesManifest): ManifestChanges {
  const sorted = (paths: string[]) => paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    added: sorted(Object.keys(news).filter((file) => !(file in olds))),
    changed: sorted(Object.keys(news).filter((file) => file in olds && olds[file]!.hash !== news[file]!.hash)),
    removed: sorted(Object.keys(olds).filter((file) => !(file in news))),
  };
}

/** The manifest's blobs by asset key: files with the same content and extension are one blob. */
export function blobsByHash(files: PagesManifest): Map<string, UploadFile> {
  const blobs = new Map<string, UploadFile>();
  for (const [file, { hash, size }] of Object.entries(files)) {
    if (!blobs.has(hash)) blobs.set(hash, { path: file, hash, size });
  }
  return blobs;
}

/**
 * wrangler's buckets: largest file first, dealt round-robin over three buckets of at most 40 MiB and
 * 2,000 files, a new bucket when none has room.
 */
export function uploadBuckets(files: UploadFile[]): UploadFile[][] {
  const buckets = Array.from({ length: uploadConcurrency }, () => ({
    files: [] as UploadFile[],
    room: maxBucketBytes,
  }));
  [...files]
    .sort((a, b) => b.size - a.size)
    .forEach((file, offset) => {
      const fits = Array.from({ length: buckets.length }, (_, i) => buckets[(i + offset) % buckets.length]!).find(
        (bucket) => bucket.room >= file.size && bucket.files.length < maxBucketFiles,
      );
      if (fits) {
        fits.files.push(file);
        fits.room -= file.size;
      } else {
        buckets.push({ files: [file], room: maxBucketBytes - file.size });
      }
    });
  return buckets.map((bucket) => bucket.files).filter((bucket) => bucket.length > 0);
}

/** Refuses a build folder that no longer holds what the manifest (and so the preview) said. */
export function checkBuildUnchanged(build: PagesBuild): void {
  const { added, changed, removed } = manifestChanges(build.files, readPagesManifest(build.buildDir));
  const differences = [
    ...changed.map((file) => `${file} (changed)`),
    ...added.map((file) => `${file} (added)`),
    ...removed.map((file) => `${file} (removed)`),
  ];
  if (differences.length > 0) throw buildChangedError(build.buildDir, differences);
}

function buildChangedError(buildDir: string, differences: string[]): Error {
  return new Error(
    `The build in ${buildDir} changed since the preview: ${differences.join(", ")}. ` +
      "Nothing was deployed; run `pulumi up` again.",
  );
}

/** The upload entries of one bucket, each file re-read and re-hashed so what is sent is what the key names. */
export function bucketPayload(build: PagesBuild, bucket: UploadFile[]) {
  // Required here: the provider's serialized code loads node's modules in the provider host.
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  return bucket.map((file) => {
    const content = readFileSync(path.join(path.resolve(build.buildDir), ...file.path.split("/")));
    if (pagesAssetHash(content, file.path) !== file.hash) {
      throw buildChangedError(build.buildDir, [`${file.path} (changed)`]);
    }
    return {
      key: file.hash,
      value: content.toString("base64"),
      metadata: { contentType: build.files[file.path]!.contentType },
      base64: true,
    };
  });
}
