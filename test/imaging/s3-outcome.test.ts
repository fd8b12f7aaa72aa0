import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { s3Error, s3Outcome } from '../../src/imaging/s3-client.js';

const answered = (status: number, name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } });

describe('what an S3 request came to (metrics) and what the store throws for it', () => {
  it.each([
    ['a refused connection', refused, 'unavailable', 'StorageUnavailable'],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'unavailable', 'StorageUnavailable'],
    ['a 503 SlowDown', answered(503, 'SlowDown'), 'unavailable', 'StorageUnavailable'],
    ['a missing bucket', answered(404, 'NoSuchBucket'), 'unavailable', 'StorageUnavailable'],
    ['wrong keys', answered(403, 'InvalidAccessKeyId'), 'unavailable', 'StorageUnavailable'],
    ['a missing key', answered(404, 'NoSuchKey'), 'not_found', null],
    ['a name already stored', answered(412, 'PreconditionFailed'), 'precondition_failed', null],
    ['a request the bucket refused', answered(400, 'InvalidArgument'), 'client_error', null],
    ['a bug in our code, not the network', new TypeError('x is undefined'), 'client_error', null],
  ])('%s', (_what, error, outcome, code) => {
    expect(s3Outcome(error)).toBe(outcome);
    const thrown = s3Error(error, 'images');
    if (code === null) expect(thrown).toBe(error);
    else expect(thrown).toMatchObject({ code, messages: [expect.stringContaining('the image storage (S3 bucket images) is out of reach')] });
  });

  it('leaves a StorageUnavailable it made already as it is', () => {
    const made = s3Error(refused, 'images');
    expect(made).toBeInstanceOf(DomainError);
    expect(s3Error(made, 'images')).toBe(made);
  });
});
