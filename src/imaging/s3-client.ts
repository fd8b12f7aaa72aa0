import { S3Client } from '@aws-sdk/client-s3';
import { storageUnavailable } from '../domain/errors.js';

export interface S3ClientSettings {
  /** Path-style addressing (`<endpoint>/<bucket>/<key>`), which on-premises stores (Ceph RGW, MinIO) need. */
  forcePathStyle: boolean;
  /** How long to wait for a connection; the SDK's retries each get this long again. */
  connectTimeoutMs?: number;
  /** How long a request may go without a byte moving before it fails. */
  socketTimeoutMs?: number;
}

/**
 * An S3 client for the blob store. Endpoint, region and credentials come from the SDK's own chain
 * (AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, profiles, roles).
 * Checksums only where an operation requires one: the SDK's default aws-chunked trailers on
 * streamed bodies are refused by Ceph RGW 16 (411 MissingContentLength) and add nothing to
 * content-addressed names checked by their hash. Timeouts bound a dead endpoint: without them a
 * request to an address that drops packets waits for the OS's TCP timeout, minutes.
 */
export function createS3Client(settings: S3ClientSettings): S3Client {
  return new S3Client({
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: settings.connectTimeoutMs ?? 3000,
      requestTimeout: settings.socketTimeoutMs ?? 30_000,
    },
  });
}

/** The facts the SDK puts on a failed request. */
export interface S3Failure {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export const s3Status = (error: unknown): number | undefined => (error as S3Failure | null)?.$metadata?.httpStatusCode;

/** Answers that mean the bucket cannot be used now, whatever the request: not this request's fault. */
const BUCKET_OUT_OF_REACH = new Set(['NoSuchBucket', 'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'PermanentRedirect']);

/**
 * The store's error for a failed S3 request: a bucket out of reach (no answer, a timeout, a 5xx, or
 * one that refuses every request: missing, wrong keys, wrong region) becomes StorageUnavailable, a
 * 503 with Retry-After; anything else is left as it is (a bug, a 500).
 */
export function s3Error(error: unknown, bucket: string): unknown {
  const status = s3Status(error);
  const { name = 'Error', code, message = '' } = (error ?? {}) as S3Failure;
  if (status === undefined || status >= 500 || BUCKET_OUT_OF_REACH.has(name)) {
    const what = status === undefined ? (code ?? name) : `${status} ${name}`;
    return storageUnavailable(`the image storage (S3 bucket ${bucket}) is out of reach (${what}${message && message !== name ? `: ${message}` : ''}), retry shortly`);
  }
  return error;
}
