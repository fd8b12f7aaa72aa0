import { S3Client } from '@aws-sdk/client-s3';
import { DomainError, storageUnavailable } from '../domain/errors.js';

export interface S3ClientSettings {
  /** Path-style addressing (`<endpoint>/<bucket>/<key>`), which on-premises stores (Ceph RGW, MinIO) need. */
  forcePathStyle: boolean;
  /** How long to wait for a connection; the SDK's retries each get this long again. */
  connectTimeoutMs?: number;
  /** How long a request may wait for its answer, and an answer's body go without a byte moving, before it fails. */
  requestTimeoutMs?: number;
}

/** Answers that mean the bucket cannot be used now, whatever the request: not this request's fault. */
const BUCKET_OUT_OF_REACH = new Set(['NoSuchBucket', 'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'PermanentRedirect']);

/** What became of one S3 request (its retries included): the label of the request metrics. */
export type S3Outcome = 'ok' | 'not_found' | 'precondition_failed' | 'client_error' | 'unavailable';

/** Told of every S3 request the client makes: the server's metrics (server/s3-stats.ts). */
export interface S3RequestRecorder {
  /** `operation`: the S3 operation (`PutObject`); `error`: the S3 error or network code when it failed. */
  record(operation: string, outcome: S3Outcome, seconds: number, error?: string): void;
}

/** The outcome of a failed request: expected answers (missing, already stored) apart from failures. */
export function s3Outcome(error: unknown): S3Outcome {
  const status = s3Status(error);
  const { name = '', code, $metadata } = (error ?? {}) as S3Failure;
  // No status: no answer (a refused connection, a timeout), when it comes from the network at all.
  if (status === undefined) return code !== undefined || $metadata !== undefined || name === 'TimeoutError' ? 'unavailable' : 'client_error';
  if (status >= 500 || BUCKET_OUT_OF_REACH.has(name)) return 'unavailable';
  if (status === 404) return 'not_found';
  if (status === 412) return 'precondition_failed';
  return 'client_error';
}

/**
 * An S3 client for the blob store. Endpoint, region and credentials come from the SDK's own chain
 * (AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, profiles, roles).
 * Checksums only where an operation requires one: the SDK's default aws-chunked trailers on
 * streamed bodies are refused by Ceph RGW 16 (411 MissingContentLength) and add nothing to
 * content-addressed names checked by their hash. Timeouts bound a dead endpoint: without them a
 * request to an address that drops packets waits for the OS's TCP timeout, minutes.
 */
export function createS3Client(settings: S3ClientSettings, recorder?: S3RequestRecorder): S3Client {
  const client = new S3Client({
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: settings.connectTimeoutMs ?? 3000,
      // Without throwOnRequestTimeout the SDK only logs a warning when it passes, and waits on.
      requestTimeout: settings.requestTimeoutMs ?? 30_000,
      throwOnRequestTimeout: true,
      socketTimeout: settings.requestTimeoutMs ?? 30_000,
    },
  });
  if (recorder) {
    // At the first step: one record per operation, its retries and their waits included.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        const started = performance.now();
        try {
          const output = await next(args);
          recorder.record(operation, 'ok', (performance.now() - started) / 1000);
          return output;
        } catch (error) {
          const outcome = s3Outcome(error);
          const { name, code } = (error ?? {}) as S3Failure;
          recorder.record(operation, outcome, (performance.now() - started) / 1000, code ?? name ?? 'Error');
          throw error;
        }
      },
      { step: 'initialize', name: 'prodimgRequestStats' },
    );
  }
  return client;
}

/** The facts the SDK puts on a failed request. */
export interface S3Failure {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export const s3Status = (error: unknown): number | undefined => (error as S3Failure | null)?.$metadata?.httpStatusCode;


/**
 * The store's error for a failed S3 request: a bucket out of reach (no answer, a timeout, a 5xx, or
 * one that refuses every request: missing, wrong keys, wrong region) becomes StorageUnavailable, a
 * 503 with Retry-After; anything else is left as it is (a bug, a 500).
 */
export function s3Error(error: unknown, bucket: string): unknown {
  if (error instanceof DomainError) return error;
  const status = s3Status(error);
  const { name = 'Error', code, message = '' } = (error ?? {}) as S3Failure;
  if (s3Outcome(error) === 'unavailable') {
    const what = status === undefined ? (code ?? name) : `${status} ${name}`;
    return storageUnavailable(`the image storage (S3 bucket ${bucket}) is out of reach (${what}${message && message !== name ? `: ${message}` : ''}), retry shortly`);
  }
  return error;
}
