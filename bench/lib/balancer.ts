// A TCP load balancer in front of several Mailroom API processes (the chaos run's): each connection
// goes to the next backend that accepts it, so an API process being restarted is passed over, as a
// real load balancer's health check would. Microsoft's change notifications and the run's own API
// calls both come through it (PUBLIC_BASE_URL).
import net from 'node:net';

export class Balancer {
  private readonly server: net.Server;
  private backends: number[];
  private next = 0;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(backendPorts: number[]) {
    this.backends = backendPorts;
    this.server = net.createServer((client) => this.forward(client));
  }

  /** The ports connections go to (set once the processes behind it have their ports). */
  setBackends(ports: number[]): void {
    this.backends = ports;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  private forward(client: net.Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    if (!this.backends.length) {
      client.destroy();
      return;
    }
    const first = this.next++ % this.backends.length;
    const attempt = (i: number) => {
      if (i === this.backends.length) {
        client.destroy();
        return;
      }
      const port = this.backends[(first + i) % this.backends.length]!;
      const upstream = net.connect(port, '127.0.0.1');
      upstream.once('error', () => {
        upstream.destroy();
        // Refused before anything was sent: the next backend gets the connection.
        if (!upstream.bytesWritten) attempt(i + 1);
        else client.destroy();
      });
      upstream.once('connect', () => {
        upstream.on('error', () => client.destroy());
        this.sockets.add(upstream);
        upstream.on('close', () => {
          this.sockets.delete(upstream);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
