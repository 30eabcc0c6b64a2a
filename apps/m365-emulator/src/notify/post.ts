import { request as httpsRequest, Agent } from 'node:https';
import { request as httpRequest } from 'node:http';
import { rootCertificates } from 'node:tls';

export interface PostResult {
  status: number;
  body: string;
  contentType: string;
}

/**
 * POSTs to a subscriber's endpoint the way Graph does: HTTPS trusted by public roots plus the
 * emulator's CA (and any extra CA given), a hard timeout; http only where explicitly allowed.
 */
export class WebhookPoster {
  private agent: Agent;
  constructor(extraCaPems: string[]) {
    this.agent = new Agent({ keepAlive: true, ca: [...rootCertificates, ...extraCaPems] });
  }

  setExtraCas(extraCaPems: string[]): void {
    this.agent.destroy();
    this.agent = new Agent({ keepAlive: true, ca: [...rootCertificates, ...extraCaPems] });
  }

  post(url: string, body: string, contentType: string, timeoutMs: number): Promise<PostResult> {
    const u = new URL(url);
    const fn = u.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = fn(
        u,
        {
          method: 'POST',
          headers: {
            'content-type': contentType,
            'content-length': Buffer.byteLength(body),
            'user-agent': 'Microsoft-Notifications-Emulator/1.0',
          },
          ...(u.protocol === 'https:' ? { agent: this.agent } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              contentType: String(res.headers['content-type'] ?? ''),
            });
          });
          res.on('error', reject);
        },
      );
      const timer = setTimeout(() => req.destroy(new Error('timeout')), timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
