import type { WebhookSender, WebhookSenderOptions } from './webhook-sender.js';

/**
 * The webhook sender, with its HTTP client (undici) loaded on the first delivery: most servers, and
 * every stand-in of an app's tests that subscribes to nothing, never send one and start faster.
 */
export function lazyWebhookSender(options: WebhookSenderOptions): WebhookSender {
  let made: Promise<WebhookSender> | undefined;
  const sender = () => (made ??= import('./webhook-sender.js').then(({ createWebhookSender }) => createWebhookSender(options)));
  return {
    send: async (address, body, headers) => (await sender()).send(address, body, headers),
    close: async () => {
      if (made) await (await made).close();
    },
  };
}
