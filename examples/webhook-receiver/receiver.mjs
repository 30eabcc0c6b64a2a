// A minimal Mailroom webhook receiver: verifies each delivery with the Standard Webhooks library
// (`npm install standardwebhooks`), answers 2xx fast, and deduplicates on `webhook-id` (Mailroom
// delivers at least once: a retry or a redelivery carries the same id).
//
//   MAILROOM_WEBHOOK_SECRET=whsec_… PORT=8787 node receiver.mjs
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const secret = process.env.MAILROOM_WEBHOOK_SECRET;
if (!secret) {
  console.error('Set MAILROOM_WEBHOOK_SECRET to the endpoint secret Mailroom showed (whsec_…).');
  process.exit(1);
}
const webhook = new Webhook(secret);
const seen = new Set(); // use a database table in production

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let event;
    try {
      event = webhook.verify(body, req.headers); // throws on a bad signature or an old timestamp
    } catch (err) {
      console.error(`refused: ${err.message}`);
      res.writeHead(400).end('bad signature');
      return;
    }
    const id = req.headers['webhook-id'];
    res.writeHead(204).end(); // acknowledge first; work afterwards (Mailroom waits 10 s at most)
    if (seen.has(id)) return;
    seen.add(id);
    console.log(JSON.stringify({ id, type: event.type, data: event.data }));
  });
});
server.listen(Number(process.env.PORT ?? 8787), '127.0.0.1', () =>
  console.error(`listening on http://127.0.0.1:${server.address().port}/`),
);
