import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import type { S3GatewaySettings } from './s3-gateway.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's gateway (test/support/global-setup.ts), or null with the reason in s3SkipReason. */
    s3Gateway: S3GatewaySettings | null;
    s3SkipReason: string;
  }
}

/** The run's gateway settings, or null when S3 suites are skipped (`s3SkipNote()` says why). */
export function s3Gateway(): S3GatewaySettings | null {
  return inject('s3Gateway');
}

/** The title suffix of a suite that needs the gateway: says why it is skipped, if it is. */
export function s3SkipNote(): string {
  const reason = inject('s3SkipReason');
  return reason ? ` (SKIPPED: ${reason})` : '';
}

/** An S3 client on the gateway, set as the S3 blob store sets its own. */
export function gatewayClient(gateway: S3GatewaySettings): S3Client {
  return new S3Client({
    endpoint: gateway.AWS_ENDPOINT_URL_S3,
    region: gateway.AWS_REGION,
    credentials: { accessKeyId: gateway.AWS_ACCESS_KEY_ID!, secretAccessKey: gateway.AWS_SECRET_ACCESS_KEY! },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A new, empty bucket on the gateway, named after `label` (each test file uses its own). */
export async function freshBucket(gateway: S3GatewaySettings, label: string): Promise<string> {
  const bucket = `${label.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40)}-${randomBytes(4).toString('hex')}`;
  const client = gatewayClient(gateway);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return bucket;
}
