import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from '../storage/make-directory.js';
import { UsageError } from './context.js';

/** What HTTPS is served with: the certificate and key, and the certificate authority to trust when prodimg made them. */
export interface TlsFiles {
  cert: string;
  key: string;
  /** The local CA's certificate file; absent when the user gave the certificate. */
  caFile?: string;
}

/**
 * The user's own certificate and key (`--tls-cert`, `--tls-key`), or a certificate for
 * `*.<base domain>`, `<base domain>`, `localhost` and `127.0.0.1` signed by a certificate authority
 * made once in `<data dir>/tls` (trust `ca.crt` once, as with other local-CA tools). The platform's
 * OAuth SDK calls `https://{shop}/admin/oauth/...` only. Signed by the installed `openssl` command;
 * the server certificate is made again when the base domain changes or it nears its end.
 */
export function tlsFiles(options: { dataDir: string; baseDomain: string; cert?: string; key?: string }): TlsFiles {
  if (options.cert || options.key) {
    if (!options.cert || !options.key) throw new UsageError('--tls-cert and --tls-key go together');
    try {
      return { cert: readFileSync(options.cert, 'utf8'), key: readFileSync(options.key, 'utf8') };
    } catch (err) {
      throw new UsageError(`cannot read the TLS certificate or key: ${(err as Error).message}`);
    }
  }
  const dir = join(options.dataDir, 'tls');
  try {
    makeDirectory(dir, 0o700);
  } catch (err) {
    throw new UsageError(`cannot make ${dir} for the local TLS certificate: ${(err as Error).message}`);
  }
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new UsageError(`cannot make the local TLS certificate with openssl: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim().split('\n')[0]}`);
    }
  };
  if (!existsSync(path('ca.crt')) || !existsSync(path('ca.key'))) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=prodimg local CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    rmSync(path('server.crt'), { force: true });
  }
  const names = [`*.${options.baseDomain}`, options.baseDomain, 'localhost'];
  if (!serverCertFits(path('server.crt'), names)) {
    writeFileSync(path('server.ext'), `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')},IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=*.${options.baseDomain}`);
    // 825 days: the longest validity browsers accept for a server certificate.
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '825', '-extfile', 'server.ext');
  }
  return { cert: readFileSync(path('server.crt'), 'utf8'), key: readFileSync(path('server.key'), 'utf8'), caFile: path('ca.crt') };
}

/** Whether the stored server certificate names these hosts and is good for at least 30 more days. */
function serverCertFits(file: string, names: string[]): boolean {
  if (!existsSync(file)) return false;
  const cert = new X509Certificate(readFileSync(file));
  const alt = cert.subjectAltName ?? '';
  return names.every((name) => alt.includes(`DNS:${name}`)) && Date.parse(cert.validTo) - Date.now() > 30 * 86_400_000;
}
