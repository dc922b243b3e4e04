import { open } from 'node:fs/promises';
import type { BlockBlobClient } from '@azure/storage-blob';

export interface BlockUploadOptions {
  /** sha256 of the whole file: block ids derive from it, so a retry finds its staged blocks. */
  sha256: string;
  blockSize: number;
  concurrency: number;
  signal?: AbortSignal;
  /** Called after each block is staged (bytes sent) or found staged already (bytes reused). */
  onBlock(bytes: number, reused: boolean): void;
}

/**
 * Deterministic block id: the same file content, block size and index always give the same
 * id (all of one length, as the service requires), so an interrupted upload resumes by
 * skipping blocks the service holds uncommitted.
 */
export function blockId(sha256: string, blockSize: number, index: number): string {
  const raw = `${sha256.slice(0, 32)}-${blockSize.toString(16).padStart(8, '0')}-${index.toString().padStart(6, '0')}`;
  return Buffer.from(raw).toString('base64');
}

/** Uncommitted block ids of a blob (none when the blob does not exist). */
async function stagedBlocks(blob: BlockBlobClient, signal?: AbortSignal): Promise<Map<string, number>> {
  try {
    const list = await blob.getBlockList('uncommitted', { abortSignal: signal });
    return new Map((list.uncommittedBlocks ?? []).map((b) => [b.name, b.size]));
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return new Map();
    throw err;
  }
}

/** Stages the file's blocks in parallel (reusing staged ones) and commits them. */
export async function uploadFileInBlocks(
  blob: BlockBlobClient,
  file: { absolutePath: string; size: number },
  options: BlockUploadOptions & { metadata: Record<string, string>; contentType: string },
): Promise<void> {
  const { blockSize, signal } = options;
  const count = Math.ceil(file.size / blockSize);
  const ids = Array.from({ length: count }, (_, i) => blockId(options.sha256, blockSize, i));
  const staged = await stagedBlocks(blob, signal);
  const handle = await open(file.absolutePath, 'r');
  try {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        signal?.throwIfAborted();
        const index = next++;
        const offset = index * blockSize;
        const length = Math.min(blockSize, file.size - offset);
        if (staged.get(ids[index]) === length) {
          options.onBlock(length, true);
          continue;
        }
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, offset);
        await blob.stageBlock(ids[index], buffer, length, { abortSignal: signal });
        options.onBlock(length, false);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, count) }, worker));
  } finally {
    await handle.close();
  }
  signal?.throwIfAborted();
  await blob.commitBlockList(ids, {
    abortSignal: signal,
    metadata: options.metadata,
    blobHTTPHeaders: { blobContentType: options.contentType },
  });
}
