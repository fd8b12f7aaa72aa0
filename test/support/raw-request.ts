import { connect } from 'node:net';
import { within } from './waiting.js';

/** A request written on the wire by hand, for what no HTTP client sends (CONNECT, `Expect: 200-ok`); the server closes after it. */
export function rawRequest(base: string, request: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return within(
    new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write(request));
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4) }));
    }),
    'a raw request to be answered and closed',
  );
}
