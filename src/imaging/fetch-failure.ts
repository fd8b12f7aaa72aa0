/** Why a download was refused or failed; `failureMessage` turns each kind into the client's words. */
export type FetchFailureReason =
  | { kind: 'invalid-url' }
  | { kind: 'private-address' }
  | { kind: 'host-not-found' }
  | { kind: 'connection-refused' }
  | { kind: 'connection-failed'; code: string | undefined }
  | { kind: 'tls-failed' }
  | { kind: 'connect-timeout'; ms: number }
  | { kind: 'total-timeout'; ms: number }
  | { kind: 'status'; status: number }
  | { kind: 'bad-redirect' }
  | { kind: 'too-many-redirects'; max: number }
  | { kind: 'too-large'; maxBytes: number };

export class FetchFailure extends Error {
  constructor(readonly reason: FetchFailureReason) {
    super(`download failed: ${JSON.stringify(reason)}`);
    this.name = 'FetchFailure';
  }
}
