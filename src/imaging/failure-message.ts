import type { FetchFailureReason } from './fetch-failure.js';
import type { ProbeFailureReason } from './probe.js';

/** The words an API client sees for a refused `src`; the one place they are written. */
export function failureMessage(reason: FetchFailureReason | ProbeFailureReason): string {
  const notDownloaded = (why: string) => `Src could not be downloaded: ${why}`;
  switch (reason.kind) {
    case 'invalid-url':
      return 'Src must be a valid URL';
    case 'private-address':
      return 'Src points to a private address';
    case 'host-not-found':
      return notDownloaded('the host name could not be resolved');
    case 'connection-refused':
      return notDownloaded('the connection was refused');
    case 'connection-failed':
      return notDownloaded('the connection failed');
    case 'tls-failed':
      return notDownloaded('the secure connection could not be established');
    case 'connect-timeout':
      return notDownloaded(`connection timed out after ${seconds(reason.ms)}`);
    case 'total-timeout':
      return notDownloaded(`the download took longer than ${seconds(reason.ms)}`);
    case 'status':
      return notDownloaded(`the server answered ${reason.status}`);
    case 'bad-redirect':
      return notDownloaded('the server redirected to an invalid or non-HTTP address');
    case 'too-many-redirects':
      return notDownloaded(`too many redirects (maximum is ${reason.max})`);
    case 'too-large':
      return `Src is too large (maximum is ${byteSize(reason.maxBytes)})`;
    case 'unsupported':
      return `Src is not a supported image (got ${reason.got})`;
    case 'too-many-pixels':
      return `Src image is too large (maximum is ${pixelCount(reason.maxPixels)})`;
    case 'corrupt':
      return 'Src is not a valid image (the file is truncated or corrupt)';
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/** Binary units, written the way people read them ("20 MB" for 20 MiB); exact or in bytes. */
export function byteSize(bytes: number): string {
  const units: Array<[number, string]> = [
    [1024 * 1024 * 1024, 'GB'],
    [1024 * 1024, 'MB'],
    [1024, 'KB'],
  ];
  for (const [size, unit] of units) if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  return `${bytes} bytes`;
}

function pixelCount(pixels: number): string {
  return pixels % 1_000_000 === 0 ? `${pixels / 1_000_000} megapixels` : `${pixels} pixels`;
}
